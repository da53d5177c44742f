import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { Featurizer, FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { seededRandom } from '../../router/features/random';
import { nearest } from '../../router/learned/knn';
import { baseRates, labelMatrix } from '../../router/learned/labels';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from '../../router/learned/predictor';
import { createLearnedStrategy, voteWeight } from '../../router/learned/strategy';
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

describe('vote weights', () => {
  it('are the log-odds of being right against the other options: zero at chance, growing with P', () => {
    expect(voteWeight(0.1)).toBeCloseTo(0, 4);
    expect(voteWeight(0.5)).toBeCloseTo(Math.log(9), 3);
    expect(voteWeight(0.7)).toBeGreaterThan(voteWeight(0.65));
    // Two agreeing 65% experts outvote one 80% expert, one 70% expert outvotes a 45% one.
    expect(2 * voteWeight(0.65)).toBeGreaterThan(voteWeight(0.8));
    expect(voteWeight(0.7)).toBeGreaterThan(voteWeight(0.45));
  });
});

describe('nearest neighbours', () => {
  it('are the k most similar rows, best first, as a full sort finds them', () => {
    const rand = seededRandom(3);
    const dims = 7; // not a multiple of the scan's four lanes
    const rows = 300;
    const embeddings = Float32Array.from({ length: rows * dims }, () => rand() - 0.5);
    const query = Float32Array.from({ length: dims }, () => rand() - 0.5);
    const index = { dims, embeddings, labels: { experts: ['a'], rows, values: new Int8Array(rows) }, baseRate: Float64Array.of(0.5) };
    const sim = (r: number) => embeddings.subarray(r * dims, (r + 1) * dims).reduce((s, v, d) => s + v * query[d]!, 0);
    const expected = Array.from({ length: rows }, (_, r) => r)
      .sort((a, b) => sim(b) - sim(a))
      .slice(0, 12);
    const got = nearest(index, query, 12);
    expect(got.map((n) => n.row)).toEqual(expected);
    got.forEach((n) => expect(n.sim).toBeCloseTo(sim(n.row), 5));
    expect(nearest(index, query, rows + 5)).toHaveLength(rows);
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
