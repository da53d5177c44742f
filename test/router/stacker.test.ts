import { beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactSet } from '../../router/artifacts';
import { extractChoice } from '../../router/answers/extract';
import { stackedVoteAggregator, stackedVoteOnAnswers } from '../../router/aggregate/stacked-vote';
import { liveForecastInput } from '../../router/aggregate/vote';
import { trainAnswerConfidence } from '../../router/cascade/answer-confidence';
import { createCascadeStrategy } from '../../router/cascade/strategy';
import { seededRandom } from '../../router/features/random';
import { logitOf } from '../../router/learned/logreg';
import { VOTE_STACKER_ARTIFACT, VoteStacker, type StackBallot, type VoteStackerArtifact } from '../../router/stacker/model';
import { fitOptionPrior, OPTION_FEATURES, optionEvidence, optionFeatures, optionScores, parseOptions } from '../../router/stacker/options';
import { promptPOf, StackedVote } from '../../router/stacker/vote';
import { train, type TrainingExample } from '../../router/train';
import type { RoutingDecision } from '../../router/types';
import { artifactSet, devSlice, replayExperts, trainSmall, answered as answer } from './fixtures';

const params = (bias: number, over: Partial<VoteStackerArtifact['experts'][string]> = {}) => ({
  bias,
  prompt: 0,
  text: 0,
  textSure: 0,
  both: 0,
  missing: 0,
  presence: 0,
  ...over,
});

const ARTIFACT: VoteStackerArtifact = {
  experts: { strong: params(2, { prompt: 1, presence: -0.5 }), weak: params(0.5, { missing: 1 }) },
  otherBias: 0,
  letterPrior: [0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  options: { weights: new Array<number>(OPTION_FEATURES).fill(0), scale: 0 },
};
const ballot = (expertId: string, choice: string | null, promptLogit = 0, textLogit = 0): StackBallot => ({ expertId, choice, promptLogit, textLogit });
/** Option-prior scores of a prompt with ten options, all alike: the letter prior applies, the option texts say nothing. */
const TEN_OPTIONS = new Array<number>(10).fill(0);

describe('VoteStacker', () => {
  const stacker = new VoteStacker(ARTIFACT);

  it('adds each answer’s score to its choice, the letter prior once, and normalises with "none of them"', () => {
    const out = stacker.decide([ballot('strong', 'B', 1), ballot('weak', 'A'), ballot('weak', 'A')], TEN_OPTIONS);
    expect(out.scores).toEqual({ B: 3, A: 1.1 });
    expect(out.choice).toBe('B');
    expect(out.champion).toBe('strong');
    const other = -0.5; // strong's presence; the weak answers both named a letter
    expect(out.p).toBeCloseTo(Math.exp(3) / (Math.exp(3) + Math.exp(1.1) + Math.exp(other)), 9);
  });

  it('applies the letter prior only where the prompt lists options: free-form answers named "A" get none', () => {
    expect(stacker.decide([ballot('strong', 'B', 1), ballot('weak', 'A'), ballot('weak', 'A')]).scores).toEqual({ B: 3, A: 1 });
    expect(stacker.decide([ballot('weak', '18'), ballot('weak', 'A')], TEN_OPTIONS).scores).toEqual({ '18': 0.5, A: 0.6 });
  });

  it('lets agreeing answers outvote a stronger one, and makes a missing letter count for "none of them"', () => {
    const out = stacker.decide([ballot('strong', 'B'), ballot('weak', 'A'), ballot('weak', 'A'), ballot('weak', 'A'), ballot('weak', 'A')], TEN_OPTIONS);
    expect(out.choice).toBe('A');
    const gaveUp = stacker.decide([ballot('strong', 'B'), ballot('weak', null)]);
    const silent = stacker.decide([ballot('strong', 'B')]);
    expect(gaveUp.p).toBeLessThan(silent.p);
  });

  it('knows nothing when no answer names a letter', () => {
    expect(stacker.decide([ballot('weak', null)])).toMatchObject({ choice: null, p: 0, champion: null });
  });

  it('scores an expert it was not fitted on with the mean of the fitted ones', () => {
    expect(stacker.params('newcomer')).toEqual({ bias: 1.25, prompt: 0.5, text: 0, textSure: 0, both: 0, missing: 0.5, presence: -0.25 });
  });

  it('refuses an artifact of the wrong shape', () => {
    expect(() => VoteStacker.fromArtifact({ ...ARTIFACT, letterPrior: [0, 0] })).toThrow();
    expect(() => VoteStacker.fromArtifact({ ...ARTIFACT, experts: { a: { bias: 1 } } })).toThrow();
  });
});

describe('option prior', () => {
  const prompt = (options: string[]) =>
    `Question: How much?\nOptions:\n${options.map((o, i) => `${'ABCDEFGHIJ'[i]}. ${o}`).join('\n')}\nAnswer with the letter of the correct option.`;

  it('reads the options of the canonical prompt, and none from a prompt without them', () => {
    expect(parseOptions(prompt(['one', 'two', 'three']))).toEqual({ question: 'Question: How much?', options: ['one', 'two', 'three'] });
    expect(parseOptions('Write a poem about the sea.').options).toEqual([]);
    expect(optionFeatures('Write a poem about the sea.')).toEqual([]);
    expect(optionScores('Write a poem about the sea.', new Array<number>(OPTION_FEATURES).fill(1))).toEqual([]);
  });

  it('describes each option: longest, repeated, in the middle of the numbers', () => {
    const f = optionFeatures(prompt(['10 m', '20 m', '30 m', '40 m', '50 m', '20 m', 'none of these choices at all']));
    expect(f).toHaveLength(7);
    expect(f.every((row) => row.length === OPTION_FEATURES)).toBe(true);
    expect(f.map((row) => row[1])).toEqual([0, 0, 0, 0, 0, 0, 1]); // longest
    expect(f.map((row) => row[4])).toEqual([0, 1, 0, 0, 0, 1, 0]); // repeats another option
    expect(f[2]![10]).toBeGreaterThan(f[0]![10]!); // 30 m sits in the middle of the values
    expect(f[6]![11]).toBe(0); // carries no number
  });

  it('learns what the right options look like and prefers it on new questions', () => {
    const rand = seededRandom(9);
    const make = () => {
      const right = Math.floor(rand() * 6);
      const options = Array.from({ length: 6 }, (_, i) => (i === right ? 'a fairly long and specific answer' : `short ${Math.floor(rand() * 1000)}`));
      return { prompt: prompt(options), answer: 'ABCDEFGHIJ'[right]! };
    };
    const train = Array.from({ length: 300 }, make);
    const weights = fitOptionPrior(
      train.map((x) => x.prompt),
      train.map((x) => x.answer),
    );
    const held = Array.from({ length: 100 }, make);
    const right = held.filter((x) => {
      const scores = optionScores(x.prompt, weights);
      return 'ABCDEFGHIJ'[scores.indexOf(Math.max(...scores))] === x.answer;
    }).length;
    expect(right).toBeGreaterThan(95);
  });

  it('turns into Bayes evidence for a named choice: log(π (N − 1) / (1 − π)), nothing when it knows nothing', () => {
    // π(B) = 1/2 among four options: its odds against one of three others are 3.
    expect(optionEvidence([0, Math.log(3), 0, 0], 'B')).toBeCloseTo(Math.log(3), 10);
    expect(optionEvidence([0, Math.log(3), 0, 0], 'A')).toBeCloseTo(Math.log(1 / 6) + Math.log(3) - Math.log(5 / 6), 10);
    expect(optionEvidence([0.7, 0.7, 0.7], 'C')).toBeCloseTo(0, 12); // a uniform prior says nothing
    expect(optionEvidence([], 'A')).toBe(0); // no options listed
    expect(optionEvidence([1, 2], 'E')).toBe(0); // a letter beyond the list
    expect(optionEvidence([1, 2], null)).toBe(0);
  });

  it('adds its score to a named letter, scaled', () => {
    const stacker = new VoteStacker({ ...ARTIFACT, options: { weights: new Array<number>(OPTION_FEATURES).fill(0), scale: 2 } });
    const out = stacker.decide([ballot('weak', 'A'), ballot('weak', 'B')], [0, 1]);
    expect(out.scores).toEqual({ A: 0.6, B: 2.5 });
    expect(out.choice).toBe('B');
  });
});

// Synthetic history: 'steady' is right 70% of the time whatever it writes; 'telling' only 58%,
// but its text says when it is sure ("certain") and then it is right 95% of the time; 'lucky'
// is right or wrong at random, on prompts that are all different, so only a model that saw the
// question itself could predict it.
function synthetic(n: number, seed: number): (TrainingExample & { answer: string })[] {
  const rand = seededRandom(seed);
  const letter = () => 'ABCDEFGHIJ'[Math.floor(rand() * 10)]!;
  return Array.from({ length: n }, (_, i) => {
    const answer = letter();
    const wrong = () => {
      let l = letter();
      while (l === answer) l = letter();
      return l;
    };
    const says = (right: boolean, extra = '') => ({ correct: right, text: `Reasoning ${extra}. The answer is (${right ? answer : wrong()}).` });
    const sure = rand() < 0.5;
    return {
      answer,
      prompt: `Question ${i}: ${Array.from({ length: 6 }, () => `w${Math.floor(rand() * 5000)}`).join(' ')}\nAnswer with the letter.`,
      outcomes: {
        steady: says(rand() < 0.7),
        telling: sure ? says(rand() < 0.95, 'certain') : says(rand() < 0.2, 'maybe'),
        lucky: says(rand() < 0.5),
      },
    };
  });
}

describe('trainVoteStacker (through train)', () => {
  const fitted = synthetic(900, 3);
  const held = synthetic(600, 4);
  let artifacts: ArtifactSet;
  let stacked: StackedVote;
  beforeAll(() => {
    artifacts = artifactSet(train(fitted, { featurizer: { vocabulary: { minDf: 2, maxDfRatio: 0.5, maxTerms: 2000 }, dims: 16, seed: 7 } }));
    stacked = StackedVote.load(artifacts)!;
  });

  it('learns to trust a text that says it is sure, and not a prompt prediction that only fits what it saw', () => {
    const a = (artifacts.get(VOTE_STACKER_ARTIFACT)!.data as VoteStackerArtifact).experts;
    expect(Object.keys(a).sort()).toEqual(['lucky', 'steady', 'telling']);
    expect(a['telling']!.text + a['telling']!.textSure).toBeGreaterThan(0.5);
    // Cross-fitted: a kNN that saw each question itself would make 'lucky' look predictable and
    // its prompt term would swing the vote; fitted on predictions made without the question, it
    // hardly moves a ballot.
    const swing = held.map(
      (x) => a['lucky']!.prompt * stacked.ballots(x.prompt, [{ expertId: 'lucky', choice: 'A', text: x.outcomes['lucky']!.text! }])[0]!.promptLogit,
    );
    const mean = swing.reduce((s, v) => s + v, 0) / swing.length;
    expect(Math.sqrt(swing.reduce((s, v) => s + (v - mean) ** 2, 0) / swing.length)).toBeLessThan(0.2);
  });

  it('beats a plain majority on held-out questions, and its P is calibrated', () => {
    let stackedRight = 0;
    let majorityRight = 0;
    let pSum = 0;
    for (const x of held) {
      const answers = Object.entries(x.outcomes).map(([expertId, o]) => ({ expertId, text: o.text!, choice: /\(([A-J])\)/.exec(o.text!)![1]! }));
      const out = stacked.decide(x.prompt, answers);
      stackedRight += out.choice === x.answer ? 1 : 0;
      pSum += out.p;
      const counts = new Map<string, number>();
      for (const a of answers) counts.set(a.choice, (counts.get(a.choice) ?? 0) + 1);
      // Ties go to the earliest answer, as the vote aggregators break them without weights.
      const top = Math.max(...counts.values());
      majorityRight += answers.find((a) => counts.get(a.choice) === top)!.choice === x.answer ? 1 : 0;
    }
    // Following the sure texts of one and the other otherwise is worth ~0.82 here; a majority ~0.78.
    expect(stackedRight / held.length).toBeGreaterThan(majorityRight / held.length + 0.03);
    expect(Math.abs(pSum / held.length - stackedRight / held.length)).toBeLessThan(0.06);
  });
});

describe('stacked-vote aggregation', () => {
  const stacked = new StackedVote(new VoteStacker(ARTIFACT), null, null);
  const decision = (pStrong: number): RoutingDecision => ({
    strategy: 'fixed',
    ranked: [
      { expertId: 'strong', score: 1, detail: { p: pStrong } },
      { expertId: 'weak', score: 0, detail: { p: 0.5 } },
      { expertId: 'weak2', score: 0, detail: { p: 0.5 } },
    ],
    stages: [],
  });
  const answers = [answer('weak', 'The answer is (A).'), answer('weak2', 'Answer: A'), answer('strong', 'Thinking it through, the answer is (B).')];
  const QUESTION = 'Which one?\nOptions:\nA. one\nB. two\nAnswer with the letter of the correct option.';

  it('returns the stacker’s choice in its champion’s words, with the prompt-only P the decision carries', () => {
    const sure = stackedVoteOnAnswers(stacked, QUESTION, answers, decision(0.95));
    expect(sure).toMatchObject({
      aggregation: 'stacked-vote',
      winner: 'strong',
      text: 'Thinking it through, the answer is (B).',
      detail: { answer: 'B', stacked: true },
    });
    expect(sure.tally?.['B']).toBeCloseTo(2 + logitOf(0.95), 4);
    // The same answers, a strong expert the router doubts for this prompt: the agreeing pair wins,
    // in the words of the newcomer (scored with the fitted experts' mean, a higher bias than weak's).
    expect(stackedVoteOnAnswers(stacked, QUESTION, answers, decision(0.05))).toMatchObject({ winner: 'weak2', detail: { answer: 'A' } });
  });

  it('counts free-form answers by their keys: "$1,200", "1200" and \\boxed{1200} are one answer', () => {
    const math =
      'How many dollars does she make? Give the final answer in the `answer` field of a JSON object:\n```json\n{"reasoning": "___", "answer": "___"}\n```';
    const free = [
      answer('strong', '{"reasoning": "…", "answer": "1100"}'),
      answer('weak', '{"reasoning": "…", "answer": "$1,200"}'),
      answer('weak2', '{"reasoning": "…", "answer": "1200 dollars"}'),
    ];
    const out = stackedVoteOnAnswers(stacked, math, free, decision(0.05));
    expect(out).toMatchObject({ winner: 'weak2', detail: { answer: '1200', votes: { strong: '1100', weak: '1200', weak2: '1200' } } });
  });

  it('forecasts what it returns: the stacker’s choice, its champion and P', () => {
    const input = { ...liveForecastInput(QUESTION, answers, decision(0.95)), promptP: promptPOf(decision(0.95).ranked) };
    const forecast = stackedVoteAggregator(stacked).forecast(input)!;
    const out = stackedVoteOnAnswers(stacked, QUESTION, answers, decision(0.95));
    expect(forecast).toMatchObject({ answer: 'B', winner: 'strong', tally: out.tally });
    expect(forecast.p).toBeCloseTo(out.detail!['p'] as number, 4);
  });

  it('counts as a weighted vote without a fitted stacker, and says so', () => {
    const out = stackedVoteOnAnswers(null, QUESTION, answers, decision(0.95));
    expect(out).toMatchObject({ aggregation: 'stacked-vote', detail: { stacked: false } });
    expect(out.tally).toEqual({ A: 1, B: 0.95 });
  });
});

describe('cascade with the stacked vote', () => {
  const experts = replayExperts();
  let artifacts: ArtifactSet;
  beforeAll(() => {
    artifacts = artifactSet(trainSmall(devSlice(0, 1200)));
  });

  it('stops when the stacked vote of the first stage is sure and calls the strongest expert when it is split', () => {
    const x = devSlice(1250, 1251)[0]!;
    const d = createCascadeStrategy(artifacts).decide({ prompt: x.prompt, messages: [] }, experts, {
      name: 't',
      strategy: 'cascade',
      aggregate: 'stacked-vote',
      lambda: 0.02,
      k: 4,
      quorum: 3,
    }) as RoutingDecision;
    expect(d.info).toMatchObject({ stacked_vote: true });
    const first = d.stages[0]!.map((c) => c.expertId);
    // Their recorded answers to this question, made to name the letters each case needs.
    const naming = (id: string, letter: string) => answer(id, x.outcomes[id]!.text.replace(/\(([A-J])\)/g, `(${letter})`));
    expect(first.map((id) => extractChoice(naming(id, 'C').text))).toEqual(['C', 'C', 'C']);
    expect(
      d.escalate!(
        first.map((id) => naming(id, 'C')),
        0,
      ),
    ).toBe(false);
    expect(
      d.escalate!(
        first.map((id, i) => naming(id, 'CFH'[i]!)),
        0,
      ),
    ).toBe(true);
  });

  it('stopping on the vote weighs what the option prior says of the choice an answer names', () => {
    // An option prior that trusts only "the longest option": C here, by far.
    const stacker = artifacts.get(VOTE_STACKER_ARTIFACT)!;
    const data = stacker.data as VoteStackerArtifact;
    const withWeights = (weights: number[]) =>
      new Map(artifacts).set(VOTE_STACKER_ARTIFACT, { ...stacker, data: { ...data, options: { ...data.options, weights } } });
    const longest = new Array<number>(OPTION_FEATURES).fill(0);
    longest[1] = 8;
    const withPrior = withWeights(longest);
    const prompt =
      'Question: Which one?\nOptions:\nA. red\nB. blue\nC. the long and careful answer that is right\nD. green\nAnswer with the letter of the correct option.';
    const economy = { name: 't', strategy: 'cascade', aggregate: 'stacked-vote', stop_on: 'vote', lambda: 0, k: 3 } as const;
    const d = createCascadeStrategy(withPrior).decide({ prompt, messages: [] }, experts, economy) as RoutingDecision;
    const first = d.stages[0]![0]!.expertId;
    const says = (letter: string) => [answer(first, `Let me think. The answer is (${letter}).`)];
    expect(d.escalate!(says('C'), 0)).toBe(false); // the prior backs it: surer than anyone ahead
    expect(d.escalate!(says('A'), 0)).toBe(true); // the prior all but rules it out
    // The same answers under a prior that knows nothing: the cascade cannot tell them apart.
    const plain = createCascadeStrategy(withWeights(new Array<number>(OPTION_FEATURES).fill(0))).decide(
      { prompt, messages: [] },
      experts,
      economy,
    ) as RoutingDecision;
    expect(plain.escalate!(says('C'), 0)).toBe(plain.escalate!(says('A'), 0));
  });

  it('stops on the stacked vote by default for a stacked-vote policy, and on the vote when stop_on says so', () => {
    const x = devSlice(1250, 1251)[0]!;
    const shape = { name: 't', strategy: 'cascade', aggregate: 'stacked-vote', lambda: 0, k: 4, quorum: 3 } as const;
    const decide = (policy: Parameters<ReturnType<typeof createCascadeStrategy>['decide']>[2]) =>
      createCascadeStrategy(artifacts).decide({ prompt: x.prompt, messages: [] }, experts, policy) as RoutingDecision;
    expect(decide(shape).info).toMatchObject({ stop_on: 'stacked' });
    expect(decide({ ...shape, aggregate: 'weighted-vote' }).info).toMatchObject({ stop_on: 'vote' });
    const voted = decide({ ...shape, stop_on: 'vote' });
    expect(voted.info).toMatchObject({ stop_on: 'vote' });
    const first = voted.stages[0]!.map((c) => c.expertId);
    const naming = (id: string, letter: string) => answer(id, x.outcomes[id]!.text.replace(/\(([A-J])\)/g, `(${letter})`));
    // Three agreeing answers outweigh the strongest expert ahead: the vote rule stops even at λ = 0.
    expect(
      voted.escalate!(
        first.map((id) => naming(id, 'C')),
        0,
      ),
    ).toBe(false);
    expect(
      voted.escalate!(
        first.map((id, i) => naming(id, 'CFH'[i]!)),
        0,
      ),
    ).toBe(true);
  });
});

describe('stacked-vote ballots', () => {
  it('reads whether an answer states one from its text, even when the ballot counts a recorded pred', () => {
    const examples = devSlice(0, 300);
    const id = 'gemini-1.5-flash-002';
    const confidence = trainAnswerConfidence(examples, [id])!;
    const stacked = new StackedVote(new VoteStacker(ARTIFACT), confidence, null);
    const x = devSlice(300, 301)[0]!;
    // MMLU-Pro records a random letter for a reply that states none: the text still says "no answer".
    const silent = 'I am not sure which option this is.';
    const [ballot] = stacked.ballots(x.prompt, [{ expertId: id, choice: 'C', text: silent }]);
    expect(ballot!.textLogit).toBe(confidence.textLogit(id, silent, false));
    expect(ballot!.textLogit).not.toBe(confidence.textLogit(id, silent, true));
  });
});
