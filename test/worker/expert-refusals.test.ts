import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addExpert, call, chat, sseEvents } from './helpers';

// An expert that refuses the request's own input (HTTP 400, 413, 422: malformed, too large,
// unprocessable) says the client's request is at fault, not the expert and not the gateway: the
// client gets a 4xx (which OpenAI's SDKs do not retry, as they retry every 5xx), the expert is
// not tried again, and its health is not charged. The loopback peers play each protocol's refusal
// by model name (`status-<code>`). Breakers are per isolate and shared: every test has its own ids.

interface ErrorBody {
  error: { message: string; type: string; code: string; source: string; experts?: { expert: string; error: string }[] };
}
interface Answer {
  choices: { message: { content: string } }[];
  routing: { winner: string; calls: { expert: string; status: string }[] };
}

const ping = [{ role: 'user', content: 'ping' }];
const openai = (id: string, model: string, price = 1) =>
  addExpert({ id, provider: 'openai', model, endpoint_url: inject('peerUrl'), input_price_per_mtok: price, output_price_per_mtok: price });
const hf = (id: string, model: string) => addExpert({ id, provider: 'hf', model, endpoint_url: inject('peerUrl') });
const claude = (id: string, model: string) => addExpert({ id, provider: 'anthropic', model, endpoint_url: inject('anthropicUrl') });

const callRows = async (expertId: string) =>
  (await env.DB.prepare('select status, attempts, upstream_status, error_source from route_calls where expert_id = ? order by id').bind(expertId).all())
    .results;
const routeRow = (id: string) => env.DB.prepare('select status, http_status, error_code, error_source from routes where id = ?').bind(id).first();

const REFUSAL = { type: 'invalid_request_error', code: 'rejected_by_expert', source: 'client' };

describe('an expert that refuses the request as invalid', () => {
  it('named alone, is the client’s 422 rejected_by_expert with the expert’s own reason, from every protocol, tried once', async () => {
    // 413 is what the GPU service answers a prompt longer than it tokenises (prompt_too_large).
    const refusers: [string, number, (id: string, model: string) => Promise<void>][] = [
      ['refuses-openai-400', 400, openai],
      ['refuses-openai-413', 413, openai],
      ['refuses-openai-422', 422, openai],
      ['refuses-hf-400', 400, hf],
      ['refuses-claude-400', 400, claude],
    ];
    for (const [id, status, add] of refusers) {
      await add(id, `status-${status}`);
      const res = await chat({ model: id, messages: ping });
      expect(res.status, id).toBe(422);
      const { error } = (await res.json()) as ErrorBody;
      expect(error, id).toMatchObject(REFUSAL);
      expect(error.message, id).toContain(`${id}: HTTP ${status}: injected ${status}`);
      expect(error.experts, id).toEqual([{ expert: id, error: expect.stringContaining(`HTTP ${status}`) }]);
      expect(await callRows(id), id).toEqual([{ status: 'error', attempts: 1, upstream_status: status, error_source: 'client' }]);
      expect(await routeRow(res.headers.get('x-route-id')!), id).toEqual({
        status: 'error',
        http_status: 422,
        error_code: 'rejected_by_expert',
        error_source: 'client',
      });
    }
  });

  it('streamed, ends the stream with the client’s error event, and the route is recorded as the client’s 422', async () => {
    const refusers: [string, (id: string, model: string) => Promise<void>][] = [
      ['refuses-openai-stream', openai],
      ['refuses-hf-stream', hf],
      ['refuses-claude-stream', claude],
    ];
    for (const [id, add] of refusers) {
      await add(id, 'status-400');
      const res = await chat({ model: id, stream: true, messages: ping });
      // A stream's status is sent before any expert is called; the refusal travels as its error event.
      expect(res.status, id).toBe(200);
      const events = sseEvents(await res.text());
      expect(events.at(-1), id).toBe('[DONE]');
      const { error } = events.at(-2) as ErrorBody;
      expect(error, id).toMatchObject(REFUSAL);
      expect(error.message, id).toContain('HTTP 400: injected 400');
      expect(await callRows(id), id).toEqual([{ status: 'error', attempts: 1, upstream_status: 400, error_source: 'client' }]);
      expect(await routeRow(res.headers.get('x-route-id')!), id).toMatchObject({ http_status: 422, error_code: 'rejected_by_expert', error_source: 'client' });
    }
  });

  it('beside an expert that answers, is replaced and the route answers 200', async () => {
    await openai('refuses-cheap', 'status-400', 0.1);
    await openai('answers-pricier', 'echo', 5);
    const replaced = await chat({ model: 'auto', messages: ping, routing: { strategy: 'all', k: 1, allow: ['refuses-cheap', 'answers-pricier'] } });
    expect(replaced.status).toBe(200);
    const body = (await replaced.json()) as Answer;
    expect(body.choices[0]!.message.content).toBe('echo: ping');
    expect(body.routing.winner).toBe('answers-pricier');
    expect(body.routing.calls.map((c) => [c.expert, c.status])).toEqual([
      ['refuses-cheap', 'error'],
      ['answers-pricier', 'ok'],
    ]);
    // A vote over both (a multiple-choice question: open-ended ones go to one expert) counts the answer that came.
    await openai('answers-h', 'say:The answer is (H).');
    const voted = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['refuses-cheap', 'answers-h'], aggregate: 'vote', quorum: 1 } });
    expect(voted.status).toBe(200);
    // Called together, they are recorded as they finish, in either order.
    expect(((await voted.json()) as Answer).routing.calls.map((c) => [c.expert, c.status]).sort()).toEqual([
      ['answers-h', 'ok'],
      ['refuses-cheap', 'error'],
    ]);
  });

  it('beside an expert that failed, leaves the route the experts’ 502: not every expert refused the request', async () => {
    await openai('refuses-mixed', 'status-400');
    await openai('fails-mixed', 'status-500');
    // A multiple-choice question, so that the vote calls both.
    const res = await chat({ model: 'auto', routing: { strategy: 'fixed', experts: ['refuses-mixed', 'fails-mixed'], aggregate: 'vote' } });
    expect(res.status).toBe(502);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ type: 'expert_error', code: 'quorum_not_met', source: 'expert' });
    expect(error.experts!.map((e) => e.expert).sort()).toEqual(['fails-mixed', 'refuses-mixed']);
  });

  it('opens no circuit and is not counted among the expert’s calls or errors in its health', async () => {
    await openai('refuses-often', 'status-400', 0.1);
    await openai('answers-often', 'echo', 5);
    // Well past the breaker's 5 calls at 50 % failures, were refusals failures.
    for (let i = 0; i < 8; i++) expect((await chat({ model: 'refuses-often', messages: ping })).status).toBe(422);
    const health = (await (await call('/admin/api/experts/health', { admin: true })).json()) as { data: { expert: string }[] };
    expect(health.data.find((h) => h.expert === 'refuses-often')).toMatchObject({ calls: 0, errors: 0, error_rate: null, circuit: 'closed' });
    // Routing still chooses it first (it is the cheaper), then replaces it.
    const res = await chat({ model: 'auto', messages: ping, routing: { strategy: 'all', k: 1, allow: ['refuses-often', 'answers-often'] } });
    expect(((await res.json()) as Answer).routing.calls.map((c) => c.expert)).toEqual(['refuses-often', 'answers-often']);
  });
});

describe('an expert’s other 4xx', () => {
  it('are the gateway’s configuration (401, 403, 404) or the expert’s state (409), not the client’s input: 502 as before', async () => {
    for (const status of [401, 403, 404, 409]) {
      const id = `answers-${status}`;
      await openai(id, `status-${status}`);
      const res = await chat({ model: id, messages: ping });
      expect(res.status, id).toBe(502);
      expect(((await res.json()) as ErrorBody).error, id).toMatchObject({ type: 'expert_error', code: 'quorum_not_met', source: 'expert' });
    }
  });
});
