import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { banditFromArtifact, banditContext, banditUpdate, BANDIT_ARTIFACT } from '../../router/bandit/linucb';
import { Featurizer, FEATURES_ARTIFACT } from '../../router/features/featurizer';
import { EXPERT_STATS_ARTIFACT, expertStatsSchema } from '../../router/learned/expert-stats';
import { CORRECTNESS_ARTIFACT, CorrectnessPredictor } from '../../router/learned/predictor';
import { exampleOfRatedRoute } from '../../router/data-format';
import { updateCorrectness } from '../../router/online/correctness';
import { labelRatedRoute, type RatedCall, type RatedRoute } from '../../router/online/labels';
import { learnArtifact } from '../../router/online/learn';
import { lexiconOf, localKeywords } from '../../router/skill/keywords';
import { SKILL_ARTIFACT, SkillProfiles } from '../../router/skill/profiles';
import type { TrainingExample } from '../../router/train';
import { artifactSet, devSlice, trainSmall } from './fixtures';

// Learning from rated routes: how a rating becomes per-expert outcomes, and how each learnable
// artifact absorbs them incrementally.

// A recorded question that two experts got right and another got wrong with a stated letter.
const question = devSlice(0, 50).find(
  (x) => Object.values(x.outcomes).filter((o) => o.correct).length >= 2 && Object.values(x.outcomes).some((o) => !o.correct && o.pred !== null),
)!;
const recorded = question.outcomes;
const right = Object.keys(recorded).filter((id) => recorded[id]!.correct);
const wrong = Object.keys(recorded).filter((id) => !recorded[id]!.correct && recorded[id]!.pred !== null);

function expertCall(expertId: string, over: Partial<RatedCall> = {}): RatedCall {
  return { expertId, role: 'expert', status: 'ok', response: recorded[expertId]!.text, costUsd: 0.001, ...over };
}

function ratedRoute(score: number, calls: RatedCall[], winner = right[0]!, answer: string | null = null): RatedRoute {
  return { feedbackId: 7, routeId: 'r-7', prompt: question.prompt, response: recorded[winner]!.text, winner, score, answer, calls };
}

describe('labels from a rating', () => {
  it('a good rating: agreeing experts were right, a disagreeing one was wrong', () => {
    const x = labelRatedRoute(ratedRoute(1, [expertCall(right[0]!), expertCall(right[1]!), expertCall(wrong[0]!)]))!;
    expect(x.feedbackId).toBe(7);
    expect(x.outcomes[right[0]!]).toMatchObject({ correct: true, costUsd: 0.001 });
    expect(x.outcomes[right[1]!]!.correct).toBe(true);
    expect(x.outcomes[wrong[0]!]!.correct).toBe(false);
  });

  it('a bad rating: agreeing experts were wrong, a different answer teaches nothing', () => {
    const x = labelRatedRoute(ratedRoute(0.2, [expertCall(right[0]!), expertCall(right[1]!), expertCall(wrong[0]!)]))!;
    expect(x.outcomes[right[0]!]!.correct).toBe(false);
    expect(x.outcomes[right[1]!]!.correct).toBe(false);
    expect(x.outcomes[wrong[0]!]).toBeUndefined();
  });

  it('ignores aggregators, judges, failed calls, and routes with no answer', () => {
    const judged = labelRatedRoute(
      ratedRoute(1, [expertCall(right[0]!), expertCall(right[1]!, { role: 'judge' }), expertCall(wrong[0]!, { status: 'error', response: null })]),
    )!;
    expect(Object.keys(judged.outcomes)).toEqual([right[0]]);
    expect(
      labelRatedRoute({
        feedbackId: 1,
        routeId: 'r-1',
        prompt: 'p',
        response: null,
        winner: null,
        score: 1,
        answer: null,
        calls: [expertCall(right[0]!, { status: 'timeout', response: null })],
      }),
    ).toBeNull();
  });
});

describe('a rated route as a line of the routing-data format (the export)', () => {
  it('states each expert pred as the prompt reads answers, and none for an open-ended prompt', () => {
    const mc = exampleOfRatedRoute(ratedRoute(1, [expertCall(right[0]!), expertCall(wrong[0]!)]))!;
    expect(mc.outcomes[right[0]!]!.pred).toBe(recorded[right[0]!]!.pred);
    const poem = 'Crisp leaves drift and fall';
    const open = exampleOfRatedRoute({
      feedbackId: 8,
      routeId: 'r-8',
      prompt: 'Write a haiku about autumn',
      response: poem,
      winner: 'poet',
      score: 1,
      answer: null,
      calls: [{ expertId: 'poet', role: 'expert', status: 'ok', response: poem, costUsd: 0.001 }],
    })!;
    expect(open.outcomes).toEqual({ poet: { pred: null, correct: true, text: poem } });
  });
});

describe('labels from a rating of an open-ended answer', () => {
  it("rates the expert that answered by the score where no reply states an answer to compare with the rater's", () => {
    const poem = 'Crisp leaves drift and fall, the maple lets go of red, wind carries the year away.';
    const rated = (answer: string | null) =>
      labelRatedRoute({
        feedbackId: 9,
        routeId: 'r-9',
        prompt: 'Write a haiku about autumn',
        response: poem,
        winner: 'poet',
        score: 0,
        answer,
        calls: [{ expertId: 'poet', role: 'expert', status: 'ok', response: poem, costUsd: 0.001 }],
      });
    expect(rated('Leaves fall softly down')).toEqual(rated(null));
    expect(rated(null)!.outcomes).toEqual({ poet: { correct: false, costUsd: 0.001, text: poem } });
  });
});

describe('labels from a rating with the right answer', () => {
  const letter = (id: string) => recorded[id]!.pred!;

  it('a bad rating that names the right answer still teaches which experts had it', () => {
    // The route returned a wrong answer (rated 0); the rater says which letter was right.
    const x = labelRatedRoute(ratedRoute(0, [expertCall(right[0]!), expertCall(right[1]!), expertCall(wrong[0]!)], wrong[0]!, letter(right[0]!)))!;
    expect(x.outcomes[right[0]!]!.correct).toBe(true);
    expect(x.outcomes[right[1]!]!.correct).toBe(true);
    expect(x.outcomes[wrong[0]!]!.correct).toBe(false);
  });

  it('the answer wins over the score, and accepts "(c)" or "The answer is C"', () => {
    const wrongLetter = letter(wrong[0]!);
    for (const given of [wrongLetter, `(${wrongLetter.toLowerCase()})`, `The answer is ${wrongLetter}`]) {
      const x = labelRatedRoute(ratedRoute(1, [expertCall(right[0]!), expertCall(wrong[0]!)], right[0]!, given))!;
      expect(x.outcomes[right[0]!]!.correct, given).toBe(false);
      expect(x.outcomes[wrong[0]!]!.correct, given).toBe(true);
    }
  });

  it('free-form answers compare as numbers', () => {
    const call = (id: string, text: string): RatedCall => ({ expertId: id, role: 'expert', status: 'ok', response: text, costUsd: 0 });
    const x = labelRatedRoute({
      feedbackId: 3,
      routeId: 'r-3',
      prompt: 'p',
      response: 'x',
      winner: 'a',
      score: 0,
      answer: '1,200',
      calls: [call('a', 'The answer is 1200.'), call('b', '\\boxed{1199}')],
    })!;
    expect(x.outcomes).toMatchObject({ a: { correct: true }, b: { correct: false } });
  });
});

describe('incremental learning of the artifacts', () => {
  let artifacts: ArtifactSet;
  let featurizer: Featurizer;
  const learnedOn = devSlice(400, 406);
  const examples: TrainingExample[] = learnedOn.map((x) => ({
    prompt: x.prompt,
    outcomes: { [right[0]!]: { correct: true, text: 'The answer is (A).' }, 'new-expert': { correct: false, text: 'The answer is (B). Long.' } },
  }));

  beforeAll(() => {
    artifacts = artifactSet(trainSmall(devSlice(0, 300)));
    featurizer = Featurizer.fromArtifact(artifacts.get(FEATURES_ARTIFACT)!.data);
  });

  it('bandit: the same state as one LinUCB update per outcome, a fresh arm for a new expert', () => {
    let expected = banditFromArtifact(artifacts.get(BANDIT_ARTIFACT)!.data);
    for (const x of examples)
      for (const [id, o] of Object.entries(x.outcomes))
        expected = banditUpdate(expected, banditContext(featurizer.features(x.prompt).dense), id, o.correct ? 1 : 0);
    const got = banditFromArtifact(learnArtifact(artifacts, BANDIT_ARTIFACT, examples));
    expect(got.arms.get('new-expert')!.n).toBe(examples.length);
    expect(got.arms.get(right[0]!)!.n).toBe(banditFromArtifact(artifacts.get(BANDIT_ARTIFACT)!.data).arms.get(right[0]!)!.n + examples.length);
    for (const [id, arm] of expected.arms) {
      const g = got.arms.get(id)!;
      for (let i = 0; i < arm.b.length; i++) expect(g.b[i]).toBeCloseTo(arm.b[i]!, 4);
    }
  });

  it('skill profiles: +1 on each keyword of a prompt an expert got right, −1 where it was wrong', () => {
    const before = SkillProfiles.fromArtifact(artifacts.get(SKILL_ARTIFACT)!.data);
    const one = examples.slice(0, 1);
    const after = SkillProfiles.fromArtifact(learnArtifact(artifacts, SKILL_ARTIFACT, one));
    const keywords = localKeywords(featurizer.features(one[0]!.prompt).sparse, lexiconOf(before.keywords, featurizer));
    expect(keywords.length).toBeGreaterThan(0);
    for (const k of keywords) {
      expect(after.suitability(right[0]!, [k])).toBe(before.suitability(right[0]!, [k]) + 1);
      expect(after.suitability('new-expert', [k])).toBe(-1);
    }
    const untouched = before.experts.find((id) => id !== right[0])!;
    expect(after.suitability(untouched, keywords)).toBe(before.suitability(untouched, keywords));
  });

  it('learned correctness: new kNN rows and a moved prediction, a row for a new expert, the index capped', () => {
    const before = CorrectnessPredictor.fromArtifact(artifacts.get(CORRECTNESS_ARTIFACT)!.data);
    const after = CorrectnessPredictor.fromArtifact(learnArtifact(artifacts, CORRECTNESS_ARTIFACT, examples));
    expect(after.knn.labels.rows).toBe(before.knn.labels.rows + examples.length);
    expect(after.experts).toContain('new-expert');
    const f = featurizer.features(examples[0]!.prompt);
    const ids = [right[0]!, 'new-expert'];
    const [pBefore, pAfter] = [before.predict(f, ids), after.predict(f, ids)];
    expect(pAfter.get(right[0]!)!).toBeGreaterThan(pBefore.get(right[0]!)!);
    expect(pAfter.get('new-expert')!).toBeLessThan(0.5);
    const capped = CorrectnessPredictor.fromArtifact(
      updateCorrectness(
        artifacts.get(CORRECTNESS_ARTIFACT)!.data,
        examples,
        examples.map((x) => featurizer.features(x.prompt)),
        100,
      ),
    );
    expect(capped.knn.labels.rows).toBe(100);
    // The newest rows are kept: the last one is the last learned prompt.
    const last = capped.knn.embeddings.subarray(99 * capped.knn.dims, 100 * capped.knn.dims);
    const want = featurizer.features(examples.at(-1)!.prompt).dense;
    for (let d = 0; d < capped.knn.dims; d++) expect(last[d]).toBeCloseTo(want[d]!, 1);
  });

  it('expert stats: one more answer each, smoothed accuracy and mean length kept as running values', () => {
    const before = new Map(expertStatsSchema.parse(artifacts.get(EXPERT_STATS_ARTIFACT)!.data).experts.map((s) => [s.id, s]));
    const after = new Map(expertStatsSchema.parse(learnArtifact(artifacts, EXPERT_STATS_ARTIFACT, examples)).experts.map((s) => [s.id, s]));
    const b = before.get(right[0]!)!;
    const a = after.get(right[0]!)!;
    const n = examples.length;
    expect(a.answered).toBe(b.answered + n);
    expect(a.accuracy).toBeCloseTo((b.accuracy * (b.answered + 2) + n) / (b.answered + n + 2), 9);
    expect(after.get('new-expert')).toMatchObject({ answered: n, accuracy: 1 / (n + 2) });
    expect(after.get('new-expert')!.meanOutputTokens).toBe(Math.ceil('The answer is (B). Long.'.length / 4));
  });

  it('names a missing artifact', () => {
    expect(() => learnArtifact(new Map(), BANDIT_ARTIFACT, examples)).toThrow(/bandit-linucb.*seed the trained artifacts/);
  });
});
