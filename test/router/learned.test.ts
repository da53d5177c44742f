import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { Featurizer, FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { baseRates, labelMatrix } from '../../router/learned/labels';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from '../../router/learned/predictor';
import { createLearnedStrategy } from '../../router/learned/strategy';
import type { RoutingPolicy } from '../../router/policy';
import { artifactSet, devSlice, replayExperts, trainSmall } from './fixtures';

const experts = replayExperts();
const policy: RoutingPolicy = { name: 't', strategy: 'learned', aggregate: 'first' };
let artifacts: ArtifactSet;

beforeAll(() => {
  artifacts = artifactSet(trainSmall(devSlice(0, 1500)));
});

describe('learned correctness predictor', () => {
  it('beats the per-expert base rate on held-out prompts (log-loss)', () => {
    const held = devSlice(1500, 1900);
    const featurizer = Featurizer.fromArtifact(artifacts.get(FEATURES_ARTIFACT)!.data);
    const predictor = CorrectnessPredictor.fromArtifact(artifacts.get(CORRECTNESS_ARTIFACT)!.data);
    const ids = predictor.experts;
    const rates = baseRates(
      labelMatrix(
        ids,
        devSlice(0, 1500).map((x) => x.outcomes),
      ),
    );
    let model = 0;
    let base = 0;
    for (const x of held) {
      const p = predictor.predictAll(featurizer.features(x.prompt));
      ids.forEach((id, e) => {
        const y = x.outcomes[id]!.correct;
        model -= Math.log(y ? p[e]! : 1 - p[e]!);
        base -= Math.log(y ? rates[e]! : 1 - rates[e]!);
      });
    }
    expect(model).toBeLessThan(base * 0.99);
  });

  it('round-trips through its JSON artifact with the same predictions', () => {
    const record = artifacts.get(CORRECTNESS_ARTIFACT)!;
    const a = CorrectnessPredictor.fromArtifact(record.data);
    const b = CorrectnessPredictor.fromArtifact(JSON.parse(JSON.stringify(a.toArtifact())));
    const f = Featurizer.fromArtifact(JSON.parse(JSON.stringify(artifacts.get(FEATURES_ARTIFACT)!.data))).features(devSlice(1900, 1901)[0]!.prompt);
    const pa = a.predictAll(f);
    const pb = b.predictAll(f);
    pa.forEach((p, i) => expect(pb[i]).toBeCloseTo(p, 5));
  });
});

describe('learned strategy', () => {
  const prompt = devSlice(1900, 1901)[0]!.prompt;
  const req = { prompt, messages: [{ role: 'user' as const, content: prompt }] };

  it('ranks every eligible expert and calls the k best by utility', async () => {
    const d = await createLearnedStrategy(artifacts).decide(req, experts, { ...policy, k: 3 });
    expect(d.ranked).toHaveLength(experts.length);
    expect(d.stages[0]!.map((c) => c.expertId)).toEqual(d.ranked.slice(0, 3).map((c) => c.expertId));
    for (let i = 1; i < d.ranked.length; i++) expect(d.ranked[i - 1]!.score).toBeGreaterThanOrEqual(d.ranked[i]!.score);
  });

  it('moves to cheaper experts as lambda grows', async () => {
    const strategy = createLearnedStrategy(artifacts);
    const price = (id: string) => experts.find((e) => e.id === id)!.outputPricePerMTok;
    const quality = await strategy.decide(req, experts, { ...policy, lambda: 0 });
    const thrifty = await strategy.decide(req, experts, { ...policy, lambda: 5 });
    expect(price(thrifty.stages[0]![0]!.expertId)).toBeLessThan(price(quality.stages[0]![0]!.expertId));
  });

  it('never chooses an expert over the cost cap', async () => {
    const d = await createLearnedStrategy(artifacts).decide(req, experts, { ...policy, lambda: 0, k: 5, max_cost_usd: 0.0001 });
    const chosen = d.stages[0]!.map((c) => experts.find((e) => e.id === c.expertId)!);
    expect(chosen.length).toBeGreaterThan(0);
    for (const e of chosen) expect(e.inputPricePerMTok + e.outputPricePerMTok).toBeLessThan(1);
  });

  it('says it is not trained when artifacts are missing', async () => {
    await expect(async () => createLearnedStrategy(new Map()).decide(req, experts, policy)).rejects.toThrow(/no trained artifacts/);
  });
});
