import { describe, expect, it } from 'vitest';
import { RouteBudget } from '../../router/budget';
import { callCostUsd } from '../../router/cost';
import { ExpertCallError } from '../../router/errors';
import { planRoute } from '../../router/plan';
import type { ExpertCaller, ExpertProfile } from '../../router/types';

// max_cost_usd and a request's n: every one of the n choices an expert writes is paid for (OpenAI's
// usage sums them), so the cap has to hold for all of them, not for one.

const expert: ExpertProfile = {
  id: 'p',
  provider: 'openai',
  model: 'p',
  endpointUrl: null,
  apiKeySecret: null,
  inputPricePerMTok: 10,
  outputPricePerMTok: 30,
  skills: [],
  tags: [],
  enabled: true,
};
const prices = new Map([[expert.id, expert]]);
const messages = [{ role: 'user' as const, content: 'x'.repeat(400) }];

/** A provider that writes each of the n choices up to max_tokens (or 4,000 tokens) and bills them all. */
const provider: ExpertCaller = {
  complete: async (expertId, _messages, opts) => {
    const usage = { promptTokens: 100, completionTokens: (opts.maxTokens ?? 4_000) * (opts.params?.n ?? 1) };
    return { expertId, text: 'x', usage, costUsd: callCostUsd(expert, usage), latencyMs: 1 };
  },
  stream: () => {
    throw new Error('not streamed');
  },
};

describe('max_cost_usd with n choices', () => {
  for (const n of [1, 2, 4]) {
    it(`a call asking ${n} choice(s) gets a max_tokens under which all of them fit the cap`, async () => {
      const budget = new RouteBudget({ cap: 0.04, promptTokens: 100, prices, choices: n });
      const answer = await budget.caller(provider).complete('p', messages, { role: 'expert', stage: 0, ...(n > 1 ? { params: { n } } : {}) });
      expect(answer.costUsd).toBeLessThanOrEqual(0.04);
      expect(answer.costUsd).toBeGreaterThan(0.039);
      expect(budget.spentUsd).toBeCloseTo(answer.costUsd, 12);
    });
  }

  it("the plan (and so a key's reservation) counts every choice", () => {
    const decision = { strategy: 'fixed', ranked: [{ expertId: 'p', score: 1 }], stages: [[{ expertId: 'p', score: 1 }]] };
    const plan = (n: number) =>
      planRoute(
        { prompt: messages[0]!.content, messages, maxTokens: 200, ...(n > 1 ? { params: { n } } : {}) },
        { name: 'p', strategy: 'fixed', aggregate: 'first' },
        decision,
        [expert],
      ).estimatedCostUsd;
    expect(plan(3) - plan(1)).toBeCloseTo(2 * 200 * 30e-6, 12);
  });
});

describe('a stream cut off after it delivered output', () => {
  it('is charged to the route budget for what it cost, though it failed', async () => {
    const cut = new ExpertCallError('p', 'stream cancelled by the gateway', { source: 'gateway', kind: 'aborted' });
    cut.costUsd = 0.004;
    const broken: ExpertCaller = {
      complete: () => Promise.reject(new Error('not called')),
      stream: () => ({ deltas: (async function* () {})(), done: Promise.reject(cut) }),
    };
    const budget = new RouteBudget({ cap: 0.04, promptTokens: 100, prices });
    await expect(budget.caller(broken).stream('p', messages, { role: 'expert', stage: 0 }).done).rejects.toBe(cut);
    expect(budget.spentUsd).toBeCloseTo(0.004, 12);
  });
});
