import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { createBanditStrategy } from '../../router/bandit/strategy';
import { createCascadeStrategy } from '../../router/cascade/strategy';
import { tokensOf } from '../../router/cost';
import { EXPERT_STATS_ARTIFACT, ExpertStatsTable, relativeCost } from '../../router/learned/expert-stats';
import { createLearnedStrategy } from '../../router/learned/strategy';
import type { RoutingPolicy } from '../../router/policy';
import { ECONOMY, PRESETS } from '../../router/presets';
import type { ExpertProfile, RoutingDecision, RoutingStrategy } from '../../router/types';
import { artifactSet, devSlice, replayExperts, trainSmall, answered as answer } from './fixtures';

// λ is relative to the pool's reference cost (one query to its most accurate expert), so a policy
// means the same trade-off whatever the pool's price level: ZeroEval's calls cost 7.4× MMLU-Pro's.

const profile = (id: string, input: number, output: number): ExpertProfile => ({
  ...replayExperts()[0]!,
  id,
  inputPricePerMTok: input,
  outputPricePerMTok: output,
});

describe('the reference cost (λ unit)', () => {
  const table = new ExpertStatsTable({
    experts: [
      { id: 'strong', meanOutputTokens: 200, accuracy: 0.8, answered: 10 },
      { id: 'cheap', meanOutputTokens: 100, accuracy: 0.6, answered: 10 },
    ],
    meanPromptTokens: 100,
  });

  it('is one query to the most accurate eligible expert on the mean training prompt', () => {
    const experts = [profile('cheap', 1, 1), profile('strong', 10, 20)];
    expect(table.referenceCostUsd(experts, 5000)).toBeCloseTo((100 * 10 + 200 * 20) / 1e6, 12);
    // Without the strong expert (not eligible), the next most accurate one sets it.
    expect(table.referenceCostUsd([profile('cheap', 1, 1)], 5000)).toBeCloseTo((100 + 100) / 1e6, 12);
  });

  it('falls back to the dearest expert when none was trained, and to 0 only when all are free', () => {
    const unknown = [profile('x', 1, 2), profile('y', 3, 4)];
    expect(table.referenceCostUsd(unknown, 10)).toBeCloseTo((100 * 3 + 300 * 4) / 1e6, 12);
    expect(table.referenceCostUsd([profile('strong', 0, 0), profile('x', 0, 0)], 10)).toBe(0);
    expect(relativeCost(0.5, 0)).toBe(0);
    expect(relativeCost(0.5, 0.25)).toBe(2);
  });

  it("uses the request's prompt length when an older artifact has no mean", () => {
    const old = new ExpertStatsTable({ experts: [{ id: 'strong', meanOutputTokens: 200, accuracy: 0.8, answered: 10 }] });
    expect(old.referenceCostUsd([profile('strong', 10, 20)], 50)).toBeCloseTo((50 * 10 + 200 * 20) / 1e6, 12);
  });
});

describe('portable λ: the same policy on a pool whose prices are all 7.4× higher', () => {
  const experts = replayExperts();
  const pricier = experts.map((e) => ({ ...e, inputPricePerMTok: e.inputPricePerMTok * 7.4, outputPricePerMTok: e.outputPricePerMTok * 7.4 }));
  const prompts = devSlice(1300, 1340);
  let artifacts: ArtifactSet;
  beforeAll(() => {
    artifacts = artifactSet(trainSmall(devSlice(0, 1200)));
  });
  const decide = (s: RoutingStrategy, pool: ExpertProfile[], policy: RoutingPolicy, prompt: string) =>
    s.decide({ prompt, messages: [] }, pool, policy) as RoutingDecision;
  const plan = (d: RoutingDecision) => ({ ranked: d.ranked.map((c) => c.expertId), stages: d.stages.map((s) => s.map((c) => c.expertId)) });

  it('the training prompts are measured for the unit', () => {
    const stats = artifacts.get(EXPERT_STATS_ARTIFACT)!.data as { meanPromptTokens: number };
    const slice = devSlice(0, 1200);
    expect(stats.meanPromptTokens).toBeCloseTo(slice.reduce((s, x) => s + tokensOf(x.prompt), 0) / slice.length, 6);
  });

  it('learned and bandit rank the experts the same', () => {
    for (const [create, policy] of [
      [createLearnedStrategy, { name: 't', strategy: 'learned', aggregate: 'first', lambda: 0.1 }],
      [createBanditStrategy, { name: 't', strategy: 'bandit', aggregate: 'first', lambda: 0.1 }],
    ] as const) {
      const s = create(artifacts);
      for (const x of prompts.slice(0, 10)) expect(plan(decide(s, pricier, policy, x.prompt))).toEqual(plan(decide(s, experts, policy, x.prompt)));
    }
  });

  it('every preset plans the same ladder and escalates on the same answers', () => {
    const s = createCascadeStrategy(artifacts);
    let escalations = 0;
    for (const policy of PRESETS.values())
      for (const x of prompts) {
        const cheapPool = decide(s, experts, policy, x.prompt);
        const dearPool = decide(s, pricier, policy, x.prompt);
        expect(plan(dearPool)).toEqual(plan(cheapPool));
        const first = cheapPool.stages[0]!.map((c) => answer(c.expertId, x.outcomes[c.expertId]!.text ?? ''));
        const escalates = cheapPool.escalate!(first, 0);
        expect(dearPool.escalate!(first, 0)).toBe(escalates);
        if (escalates) escalations++;
      }
    // The check means something only if the cheap pool's cascades do escalate on some prompts
    // (with λ in USD, economy on the dear pool never did).
    expect(escalations).toBeGreaterThan(0);
  });

  it("economy's strongest rung is still worth its price after two unsure cheap answers on the dear pool", () => {
    const s = createCascadeStrategy(artifacts);
    const escalated = prompts.filter((x) => {
      const d = decide(s, pricier, ECONOMY, x.prompt);
      const [a, b] = d.stages.map((stage) => stage[0]!.expertId);
      return d.escalate!([answer(a!, 'I cannot tell.'), answer(b!, 'Not sure.')], 1);
    });
    expect(escalated.length).toBeGreaterThan(prompts.length / 2);
  });
});
