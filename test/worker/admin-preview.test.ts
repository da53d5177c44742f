import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { tokensOf } from '../../router/cost';
import { extractionMessages } from '../../router/skill/llm-extractor';
import { addExpert, call, RECORDED_PROMPT, replayExpert, seedArtifacts } from './helpers';

interface Preview {
  policy: { name: string; strategy: string };
  strategy: string;
  prompt_tokens: number;
  eligible: string[];
  excluded: { expert: string; reason: string }[];
  ranked: { expert: string; score: number; estimated_cost_usd: number }[];
  stages: { expert: string; over_budget: boolean; estimated_cost_usd: number }[][];
  estimated_cost_usd: number;
}

function preview(json: Record<string, unknown>) {
  return call('/admin/api/policies/preview', { method: 'POST', admin: true, json: { prompt: RECORDED_PROMPT, ...json } });
}

describe('POST /admin/api/policies/preview', () => {
  beforeEach(async () => {
    await replayExpert('gemini-1.5-pro-002');
    await replayExpert('gemini-1.5-flash-002', { input_price_per_mtok: 0.075, output_price_per_mtok: 0.3 });
    await replayExpert('gemma-7b', { input_price_per_mtok: 0.2, output_price_per_mtok: 0.2 });
  });

  it('decides under a named policy without calling any expert', async () => {
    const saved = await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'every-expert', config: { strategy: 'all', aggregate: 'first' } },
    });
    expect(saved.status).toBe(201);
    const res = await preview({ policy: 'every-expert' });
    expect(res.status).toBe(200);
    const p = (await res.json()) as Preview;
    expect(p.strategy).toBe('all');
    expect(p.eligible.sort()).toEqual(['gemini-1.5-flash-002', 'gemini-1.5-pro-002', 'gemma-7b']);
    // `all` ranks cheapest first.
    expect(p.ranked.map((c) => c.expert)).toEqual(['gemini-1.5-flash-002', 'gemma-7b', 'gemini-1.5-pro-002']);
    expect(p.prompt_tokens).toBe(Math.ceil(RECORDED_PROMPT.length / 4));
    expect(p.ranked[2]!.estimated_cost_usd).toBeCloseTo((p.prompt_tokens * 1.25 + 300 * 5) / 1e6, 12);
    const rows = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it('decides under an unsaved config: allow list, k, and the cost cap marking what it would skip', async () => {
    await call('/admin/api/experts/gemma-7b', { method: 'PATCH', admin: true, json: { enabled: false } });
    const res = await preview({
      config: { strategy: 'all', aggregate: 'vote', k: 2, allow: ['gemini-1.5-pro-002', 'gemini-1.5-flash-002', 'gemma-7b'], max_cost_usd: 0.001 },
      name: 'draft',
    });
    const p = (await res.json()) as Preview;
    expect(p.policy.name).toBe('draft');
    expect(p.excluded).toEqual([{ expert: 'gemma-7b', reason: 'disabled' }]);
    expect(p.stages).toEqual([
      [
        expect.objectContaining({ expert: 'gemini-1.5-flash-002', over_budget: false }),
        expect.objectContaining({ expert: 'gemini-1.5-pro-002', over_budget: true }),
      ],
    ]);
  });

  it('previews an LLM skill extractor policy without calling the extractor: local keywords, and it says so', async () => {
    await seedArtifacts();
    const res = await preview({ config: { strategy: 'skill', extractor: 'llm', aggregate: 'vote', k: 2 } });
    expect(res.status).toBe(200);
    const p = (await res.json()) as Preview & { info: { extractor: string } };
    expect(p.strategy).toBe('skill');
    expect(p.stages[0]).toHaveLength(2);
    expect(p.info.extractor).toMatch(/^llm, not called in a preview/);
    const rows = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("counts the LLM skill extractor's calls the route will pay for in the estimate and against the cost cap", async () => {
    await seedArtifacts();
    const prices: Record<string, [number, number]> = { 'gemini-1.5-pro-002': [1.25, 5], 'gemini-1.5-flash-002': [0.075, 0.3], 'gemma-7b': [0.2, 0.2] };
    type Extracting = Preview & { extractor: { expert: string; calls: number; estimated_cost_usd: number }; info: { extractor: string } };
    const config = { strategy: 'skill', extractor: 'llm', aggregate: 'vote', k: 2 };
    const p = (await (await preview({ config })).json()) as Extracting;
    // Three samples of the extraction prompt, each answered in at most 48 tokens, at the extractor's prices.
    const [input, output] = prices[p.extractor.expert]!;
    const promptTokens = extractionMessages(RECORDED_PROMPT).reduce((n, m) => n + tokensOf(m.content), 0);
    const extraction = (3 * (promptTokens * input + 48 * output)) / 1e6;
    expect(p.extractor).toEqual({ expert: p.extractor.expert, calls: 3, estimated_cost_usd: expect.closeTo(extraction, 12) });
    expect(p.info.extractor).toMatch(/estimate/);
    const answering = p.stages[0]!.reduce((sum, c) => sum + c.estimated_cost_usd, 0);
    expect(p.estimated_cost_usd).toBeCloseTo(answering + extraction, 12);

    // A cap the two answering experts fit only without the extraction: the strategy recruits within
    // what the extraction left, so the second is not chosen (nor planned and then skipped).
    const capped = (await (await preview({ config: { ...config, max_cost_usd: answering + extraction / 2 } })).json()) as Extracting;
    expect(capped.extractor.calls).toBe(3);
    expect(capped.stages[0]!.map((c) => [c.expert, c.over_budget])).toEqual([[p.stages[0]![0]!.expert, false]]);
    expect(capped.estimated_cost_usd).toBeLessThanOrEqual(answering + extraction / 2);
    const rows = await env.DB.prepare('select count(*) as n from route_calls').first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it('names saved policies and expert ids like `model` does', async () => {
    await call('/admin/api/policies', {
      method: 'POST',
      admin: true,
      json: { name: 'pair', config: { strategy: 'fixed', experts: ['gemma-7b', 'gemini-1.5-pro-002'], aggregate: 'vote' } },
    });
    const p = (await (await preview({ policy: 'pair' })).json()) as Preview;
    expect(p.stages[0]!.map((c) => c.expert)).toEqual(['gemma-7b', 'gemini-1.5-pro-002']);
    const one = (await (await preview({ policy: 'gemma-7b' })).json()) as Preview;
    expect(one.stages[0]!.map((c) => c.expert)).toEqual(['gemma-7b']);
  });

  it('ranks only the experts a chat request may be routed to: an embedding model is none of them', async () => {
    await addExpert({ id: 'embedder', provider: 'openai', model: 'embed', endpoint_url: inject('peerUrl'), task: 'embedding', input_price_per_mtok: 0 });
    const p = (await (await preview({ config: { strategy: 'all', aggregate: 'vote' } })).json()) as Preview;
    expect(p.ranked.map((c) => c.expert)).not.toContain('embedder');
    const err = (await (await preview({ config: { strategy: 'fixed', experts: ['embedder'], aggregate: 'first' } })).json()) as { error: { code: string } };
    expect(err.error.code).toBe('not_a_chat_model');
  });

  it('fails like a chat request would, naming the field', async () => {
    const err = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; param: string } }).error });
    expect(await err(await preview({ policy: 'nope' }))).toMatchObject({ status: 404, code: 'model_not_found' });
    expect(await err(await preview({ config: { strategy: 'fixed', aggregate: 'first' } }))).toMatchObject({ status: 400, param: 'routing.experts' });
    expect(
      await err(await preview({ config: { strategy: 'all', aggregate: 'first', deny: ['gemma-7b', 'gemini-1.5-pro-002', 'gemini-1.5-flash-002'] } })),
    ).toMatchObject({ code: 'no_eligible_expert' });
    expect(await err(await preview({ policy: 'auto', config: { strategy: 'all', aggregate: 'first' } }))).toMatchObject({ status: 400, param: 'policy' });
    expect(await err(await preview({ policy: 'auto', prompt: '' }))).toMatchObject({ status: 400, param: 'prompt' });
    expect((await call('/admin/api/policies/preview', { method: 'POST', json: { prompt: 'x', policy: 'auto' } })).status).toBe(401);
  });
});
