import { beforeEach, describe, expect, inject, it } from 'vitest';
import { post, session } from './dashboard-session';
import { addExpert, call, chat, seedArtifacts, seedReplayExperts } from './helpers';

// An expert whose key is not set (a secret forgotten, or removed on rotation) fails every call
// before it leaves the gateway. Routing that kept choosing it answered 502 on every request it was
// picked for; it is left out unless the request names it, and the preview says why.

interface Body {
  routing: { calls: { expert: string; status: string }[] };
  error?: { code: string; message: string };
}

const NOKEY = 'free-but-no-key';
const calledIn = async (res: Response) => ((await res.json()) as Body).routing.calls.map((c) => c.expert);

describe('an expert that cannot be called as configured', () => {
  beforeEach(async () => {
    await seedArtifacts();
    await seedReplayExperts();
    // Free, so `all` (cheapest first) would choose it first.
    await addExpert({
      id: NOKEY,
      provider: 'openai',
      model: 'echo',
      endpoint_url: inject('peerUrl'),
      api_key_secret: 'EXPERT_NOT_SET_KEY',
      input_price_per_mtok: 0,
      output_price_per_mtok: 0,
    });
  });

  const built: [string, Record<string, unknown>][] = [
    ...['auto', 'economy', 'balanced', 'quality'].map((m): [string, Record<string, unknown>] => [m, {}]),
    ...[{ strategy: 'learned', lambda: 1 }, { strategy: 'skill' }, { strategy: 'bandit' }, { strategy: 'all', aggregate: 'vote' }].map(
      (r): [string, Record<string, unknown>] => ['auto', r],
    ),
  ];
  // The trained routers choose experts they know, never the unknown NOKEY: for the recorded prompt
  // gemini-1.5-flash-002 (learned, the cascades, skill) or gemini-1.5-pro-002 (bandit). Registered
  // again as endpoints whose key is not set, each policy below would call one of them were it callable.
  const FAVOURITES = ['gemini-1.5-flash-002', 'gemini-1.5-pro-002'];
  const unkeyed = (ids: string[]) => ids.filter((id) => id === NOKEY || FAVOURITES.includes(id));
  for (const [model, routing] of built) {
    it(`${model} ${JSON.stringify(routing)} leaves it out`, async () => {
      for (const id of FAVOURITES) {
        expect((await call(`/admin/api/experts/${id}`, { method: 'DELETE', admin: true })).status).toBe(204);
        await addExpert({ id, provider: 'openai', model: 'echo', endpoint_url: inject('peerUrl'), api_key_secret: 'EXPERT_NOT_SET_KEY' });
      }
      const keyed = await chat({ model, routing }, { env: { EXPERT_NOT_SET_KEY: 'sk-now-set' } as never });
      expect(unkeyed(await calledIn(keyed))).not.toEqual([]);
      const res = await chat({ model, routing });
      expect(res.status).toBe(200);
      const called = await calledIn(res);
      expect(called.length).toBeGreaterThan(0);
      expect(unkeyed(called)).toEqual([]);
    });
  }

  it('named, it is called and the error says what is missing', async () => {
    for (const body of [{ model: NOKEY }, { model: 'auto', routing: { strategy: 'learned', allow: [NOKEY], aggregate: 'first' } }]) {
      const res = await chat(body);
      expect(res.status).toBe(502);
      expect(((await res.json()) as Body).error!.message).toMatch(/secret 'EXPERT_NOT_SET_KEY' named by the expert is not set/);
    }
  });

  it('a route that fails without it names it too, so the operator learns why it was not asked', async () => {
    const res = await chat({ model: 'auto', messages: [{ role: 'user', content: 'Write a haiku about autumn.' }] });
    expect(res.status).toBe(422);
    const error = ((await res.json()) as Body).error!;
    expect(error.code).toBe('not_recorded');
    expect(error.message).toMatch(/not called, as configured: free-but-no-key: secret 'EXPERT_NOT_SET_KEY' named by the expert is not set$/);
  });

  it('once its secret is set it is routed to again', async () => {
    const res = await chat({ model: 'auto', routing: { strategy: 'all', aggregate: 'vote' } }, { env: { EXPERT_NOT_SET_KEY: 'sk-now-set' } as never });
    expect(res.status).toBe(200);
    expect(await calledIn(res)).toContain(NOKEY);
  });

  it('the preview says why it is left out', async () => {
    const res = await call('/admin/api/policies/preview', { method: 'POST', admin: true, json: { prompt: 'What is 2 + 2?', policy: 'economy' } });
    const p = (await res.json()) as { excluded: { expert: string; reason: string }[] };
    expect(p.excluded).toContainEqual({ expert: NOKEY, reason: "not callable: secret 'EXPERT_NOT_SET_KEY' named by the expert is not set" });
    const fields = { editing: 'economy', name: 'economy', description: '', strategy: 'cascade', aggregate: 'first', prompt: 'What is 2 + 2?' };
    const page = await (await post('/admin/policies/preview', await session(), fields)).text();
    expect(page).toContain(
      `<span class="pill off">not callable</span> ${NOKEY}: secret &#39;EXPERT_NOT_SET_KEY&#39; named by the expert is not set. Routing leaves such experts out unless a request names them.`,
    );
  });

  it('a demo expert the policy allows is reported not callable, not as a demo left unnamed', async () => {
    await addExpert({
      id: 'demo-no-key',
      provider: 'openai',
      model: 'echo',
      endpoint_url: inject('peerUrl'),
      api_key_secret: 'EXPERT_NOT_SET_KEY',
      demo: true,
    });
    const config = { strategy: 'all', aggregate: 'first', allow: ['demo-no-key', 'gemini-1.5-pro-002'] };
    const res = await call('/admin/api/policies/preview', { method: 'POST', admin: true, json: { prompt: 'What is 2 + 2?', config } });
    const p = (await res.json()) as { eligible: string[]; excluded: { expert: string; reason: string }[] };
    expect(p.eligible).toEqual(['gemini-1.5-pro-002']);
    expect(p.excluded).toContainEqual({ expert: 'demo-no-key', reason: "not callable: secret 'EXPERT_NOT_SET_KEY' named by the expert is not set" });
  });

  it('expert health and the dashboard show it to the operator', async () => {
    const { data } = (await (await call('/admin/api/experts/health', { admin: true })).json()) as { data: { expert: string; not_callable: string | null }[] };
    expect(data.find((h) => h.expert === NOKEY)!.not_callable).toBe("secret 'EXPERT_NOT_SET_KEY' named by the expert is not set");
    expect(data.filter((h) => h.not_callable !== null)).toHaveLength(1);
    const { cookie } = await session();
    const page = await (await call('/admin/experts', { key: null, headers: { cookie } })).text();
    expect(page).toContain('not callable</span> <span class="muted">secret &#39;EXPERT_NOT_SET_KEY&#39; named by the expert is not set: routing leaves it out');
  });
});
