import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../router/features/random';
import { consensus } from '../../router/unsupervised/consensus';
import { pseudoLabelled } from '../../router/unsupervised/pseudo-labels';
import { consensusExamples } from '../../router/unsupervised/route-labels';
import { devSlice } from './fixtures';

// Learning without labels: the experts' consensus (one-coin Dawid-Skene) stands in for `answer` and
// `correct`. On synthetic data with known accuracies it must recover them, even against a clique of
// weak experts that copy each other; on recorded data it must read nothing but the experts' answers.

const PROMPT = 'Question: which?\nOptions:\nA. one\nB. two\nC. three\nD. four\nAnswer with the letter of the correct option.';
const LETTERS = ['A', 'B', 'C', 'D'];

/** 1,500 four-option questions; experts right with their accuracy, else a uniform wrong letter. The two weakest copy each other half the time. */
function synthetic(accuracy: Record<string, number>) {
  const rand = seededRandom(7);
  const truth: string[] = [];
  const questions = Array.from({ length: 1500 }, () => {
    const right = LETTERS[Math.floor(rand() * 4)]!;
    truth.push(right);
    const preds: Record<string, string | null> = {};
    for (const [m, a] of Object.entries(accuracy)) {
      if (m === 'copycat' && rand() < 0.5) {
        preds[m] = preds['weak']!;
        continue;
      }
      const wrong = LETTERS.filter((l) => l !== right);
      preds[m] = rand() < a ? right : wrong[Math.floor(rand() * 3)]!;
    }
    return { prompt: PROMPT, preds };
  });
  return { questions, truth };
}

describe('consensus without labels', () => {
  const accuracy = { strong: 0.85, good: 0.7, fair: 0.55, weak: 0.35, copycat: 0.35 };
  const { questions, truth } = synthetic(accuracy);
  const c = consensus(questions);

  it('recovers each expert’s accuracy and their ranking', () => {
    const ranked = [...c.accuracy].sort((a, b) => b[1] - a[1]).map(([m]) => m);
    expect(ranked.slice(0, 3)).toEqual(['strong', 'good', 'fair']);
    // The copycat's copies of 'weak' make the pair agree more than chance; still far below 'fair'.
    for (const m of ['strong', 'good', 'fair', 'weak']) expect(Math.abs(c.accuracy.get(m)! - accuracy[m as keyof typeof accuracy])).toBeLessThan(0.06);
  });

  it('labels more questions right than a plain majority vote or the strongest expert alone', () => {
    const right = (labels: (string | null)[]) => labels.filter((l, i) => l === truth[i]).length / truth.length;
    const majority = questions.map((q) => {
      const count = new Map<string, number>();
      for (const p of Object.values(q.preds)) if (p) count.set(p, (count.get(p) ?? 0) + 1);
      return [...count].sort((a, b) => b[1] - a[1])[0]![0];
    });
    expect(right(c.labels)).toBeGreaterThan(right(majority));
    expect(right(c.labels)).toBeGreaterThan(0.85);
  });
});

describe('pseudo-labels on recorded data', () => {
  const slice = devSlice(0, 600);

  it('read only the experts’ answers: scrambling every answer and correct changes nothing', () => {
    const rand = seededRandom(3);
    const scrambled = slice.map((x) => ({
      ...x,
      answer: LETTERS[Math.floor(rand() * 4)]!,
      outcomes: Object.fromEntries(Object.entries(x.outcomes).map(([m, o]) => [m, { ...o, correct: rand() < 0.5 }])),
    }));
    expect(scrambled.filter((x, i) => x.answer !== slice[i]!.answer).length).toBeGreaterThan(300);
    const strip = (xs: typeof slice) => xs.map((x) => [x.answer, Object.entries(x.outcomes).map(([m, o]) => [m, o.correct])]);
    expect(strip(pseudoLabelled(scrambled))).toEqual(strip(pseudoLabelled(slice)));
  });

  it('agree with the hidden answers more often than a plain majority of all experts', () => {
    const labelled = pseudoLabelled(slice);
    const agree = labelled.filter((x, i) => x.answer === slice[i]!.answer).length / slice.length;
    const majority =
      slice.filter((x) => {
        const count = new Map<string, number>();
        for (const o of Object.values(x.outcomes)) if (o.pred) count.set(o.pred, (count.get(o.pred) ?? 0) + 1);
        return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] === x.answer;
      }).length / slice.length;
    expect(agree).toBeGreaterThan(majority + 0.03);
  });
});

describe('consensus labels of routes (the cron, unrated routes)', () => {
  const say = (expertId: string, text: string) => ({ expertId, text, costUsd: 0.001 });
  const MATH = 'A shop sells 600 apples in the morning and 600 in the afternoon. How many apples does it sell?';

  it('labels an expert right when two or more back its answer, keyed as the prompt reads answers', () => {
    const [split, agreed] = consensusExamples([
      { prompt: PROMPT, answers: [say('a', 'The answer is (B).'), say('b', 'Answer: B'), say('c', 'The answer is (D).')] },
      { prompt: MATH, answers: [say('a', 'The answer is \\boxed{1200}.'), say('b', '{"answer": "$1,200"}')] },
    ]);
    expect(split).toEqual({
      prompt: PROMPT,
      outcomes: {
        a: { correct: true, costUsd: 0.001, text: 'The answer is (B).' },
        b: { correct: true, costUsd: 0.001, text: 'Answer: B' },
        c: { correct: false, costUsd: 0.001, text: 'The answer is (D).' },
      },
    });
    expect(Object.values(agreed!.outcomes).map((o) => o.correct)).toEqual([true, true]);
  });

  it('labels nobody where no answer has two backers: two that disagree, one expert, or replies without answers', () => {
    expect(
      consensusExamples([
        { prompt: PROMPT, answers: [say('a', 'The answer is (B).'), say('b', 'The answer is (C).')] },
        { prompt: PROMPT, answers: [say('a', 'The answer is (B).')] },
        { prompt: PROMPT, answers: [say('a', 'Hard to say.'), say('b', 'No idea.'), say('c', 'The answer is (A).')] },
      ]),
    ).toEqual([null, null, null]);
  });

  it('labels nobody on an open-ended prompt, even where the replies happen to read alike', () => {
    const greeting = 'Hello! How can I help you today?';
    expect(
      consensusExamples([
        { prompt: 'hello! how are you today?', answers: [say('a', greeting), say('b', greeting), say('c', 'Hi there!')] },
        { prompt: 'Tell me about the history of Rome.', answers: [say('a', 'The answer is long.'), say('b', 'The answer is long.')] },
      ]),
    ).toEqual([null, null]);
  });
});
