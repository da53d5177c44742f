import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAggregators } from '../../router/aggregate/index';
import type { ArtifactRecord } from '../../router/artifacts';
import { callCostUsd, tokensOf } from '../../router/cost';
import { startRoute } from '../../router/pipeline';
import type { RoutingPolicy } from '../../router/policy';
import { PRESETS } from '../../router/presets';
import { policyForPrompt } from '../../router/prompt-policy';
import { buildStrategies } from '../../router/strategies/index';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertCaller, ExpertStream } from '../../router/types';
import { DEFAULT_DATA, loadExamples } from '../../scripts/lib/dataset';
import { replayExperts } from './fixtures';
import { OPEN_ENDED_PROMPTS } from '../support/open-ended-prompts';

// Open-ended prompts through the real request path with the shipped artifacts: every built-in
// policy calls one expert, the one its learned ranking puts first under the policy's λ.

const ARTIFACTS = new Map(
  readdirSync('data/artifacts')
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join('data/artifacts', f), 'utf8')) as ArtifactRecord)
    .map((r) => [r.name, r]),
);
const EXPERTS = replayExperts();
const AUTO: RoutingPolicy = { ...PRESETS.get('balanced')!, name: 'auto' };
const BUILT_IN = [...PRESETS.values(), AUTO];

/** Answers every prompt with a short poem and costs it by the data's rule; logs each call. */
class PoetCaller implements ExpertCaller {
  readonly calls: ExpertAnswer[] = [];
  private answer(expertId: string, messages: ChatMessage[]): ExpertAnswer {
    const text = 'Crisp leaves drift and fall\nthe maple lets go of red\nwind carries the year';
    const usage = { promptTokens: tokensOf(messages.map((m) => m.content).join('\n')), completionTokens: tokensOf(text) };
    const expert = EXPERTS.find((e) => e.id === expertId)!;
    const a = { expertId, text, usage, costUsd: callCostUsd(expert, usage), latencyMs: 1 };
    this.calls.push(a);
    return a;
  }
  async complete(expertId: string, messages: ChatMessage[], _opts: CallOptions): Promise<ExpertAnswer> {
    return this.answer(expertId, messages);
  }
  stream(expertId: string, messages: ChatMessage[], _opts: CallOptions): ExpertStream {
    const a = this.answer(expertId, messages);
    return {
      deltas: (async function* () {
        yield a.text;
      })(),
      done: Promise.resolve(a),
    };
  }
}

async function route(prompt: string, policy: RoutingPolicy) {
  const caller = new PoetCaller();
  const env = { experts: EXPERTS, strategies: buildStrategies(ARTIFACTS), aggregators: buildAggregators({ artifacts: ARTIFACTS }), caller };
  const run = await startRoute({ prompt, messages: [{ role: 'user', content: prompt }] }, policy, env);
  for await (const _ of run.deltas);
  const outcome = await run.result;
  return { run, outcome, calls: caller.calls };
}

describe('open-ended prompts under every built-in policy', () => {
  it.each(BUILT_IN.flatMap((p) => OPEN_ENDED_PROMPTS.slice(0, 4).map((prompt) => [p.name, prompt, p] as const)))(
    '%s: %j costs one call of the expert it picked',
    async (_name, prompt, policy) => {
      const { run, outcome, calls } = await route(prompt, policy);
      expect(calls.map((c) => c.expertId)).toEqual([run.decision.ranked[0]!.expertId]);
      expect(outcome.answers.reduce((s, a) => s + a.costUsd, 0)).toBe(calls[0]!.costUsd);
      expect(outcome.aggregation.aggregation).toBe('first');
      expect(run.decision.info).toMatchObject({ prompt_kind: 'open-ended', adapted_from: { strategy: 'cascade', aggregate: 'stacked-vote' } });
    },
  );

  it('picks by predicted quality per cost: economy (λ = 0.165) a cheaper expert than quality (λ = 0.0275)', async () => {
    const cost = async (name: string) => (await route('Write a haiku about autumn', PRESETS.get(name)!)).calls[0]!.costUsd;
    expect(await cost('economy')).toBeLessThan(await cost('quality'));
  });

  it('leaves comparable prompts to the policy: a multiple-choice question still climbs the cascade', async () => {
    const question = loadExamples(DEFAULT_DATA)[0]!.prompt;
    expect(policyForPrompt(PRESETS.get('quality')!, question).policy).toBe(PRESETS.get('quality'));
    const { run, calls } = await route(question, PRESETS.get('quality')!);
    expect(run.decision.stages.length).toBeGreaterThan(1);
    expect(calls.length).toBeGreaterThanOrEqual(3); // quorum 3: three rungs together
  });
});

describe('policyForPrompt', () => {
  const haiku = 'Write a haiku about autumn';
  it('keeps synthesize / judge / layers (they read whole answers), called together instead of as a ladder', () => {
    expect(policyForPrompt({ name: 's', strategy: 'learned', aggregate: 'synthesize', k: 3 }, haiku).policy).toEqual({
      name: 's',
      strategy: 'learned',
      aggregate: 'synthesize',
      k: 3,
    });
    expect(policyForPrompt({ name: 'j', strategy: 'cascade', aggregate: 'judge', k: 3, stop_on: 'vote' }, haiku).policy).toEqual({
      name: 'j',
      strategy: 'learned',
      aggregate: 'judge',
      k: 3,
    });
  });

  it('cuts a vote to the first named or ranked expert, and leaves a single expert alone', () => {
    expect(policyForPrompt({ name: 'f', strategy: 'fixed', experts: ['a', 'b', 'c'], aggregate: 'vote' }, haiku).policy).toMatchObject({
      strategy: 'fixed',
      experts: ['a'],
      aggregate: 'first',
      k: 1,
    });
    expect(policyForPrompt({ name: 'k', strategy: 'skill', aggregate: 'weighted-vote', k: 3 }, haiku).policy).toMatchObject({
      strategy: 'skill',
      aggregate: 'first',
      k: 1,
    });
    const one: RoutingPolicy = { name: 'gpt', strategy: 'fixed', experts: ['gpt'], aggregate: 'first' };
    expect(policyForPrompt(one, haiku)).toEqual({ kind: { kind: 'open-ended' }, policy: one });
    // `first` over several experts is a hedge or a race the caller chose, not a comparison.
    const hedged: RoutingPolicy = { name: 'h', strategy: 'fixed', experts: ['slow', 'fast'], aggregate: 'first', hedge_ms: 50 };
    expect(policyForPrompt(hedged, haiku).policy).toBe(hedged);
  });
});
