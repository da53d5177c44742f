import { fitChoiceModel } from './fit';

// What the options of a multiple-choice prompt say about which one is right, before anyone
// answers. Distractors are written around the right option: it tends to be the longest, to share
// words with the other options, and, when the options are numbers, to sit in the middle of their
// range; an option that repeats another is never right. A softmax over the options of 12 such
// features, fitted on the training split, picks the right one for ~23% of the dev questions (10
// options, 10% by chance); the stacked vote adds its score to each named letter.

/** Features per option, in this order. */
export const OPTION_FEATURES = 12;

/** The letters options are listed under, in order. */
export const LETTERS = 'ABCDEFGHIJ';

const OPTION_LINE = /^([A-J])[.)]\s+(.*)$/;

/** The option texts of a prompt laid out as "Options:\nA. …\nB. …" (empty when it has none). */
export function parseOptions(prompt: string): { question: string; options: string[] } {
  const at = prompt.indexOf('\nOptions:\n');
  if (at < 0) return { question: prompt, options: [] };
  const options: string[] = [];
  for (const line of prompt.slice(at + '\nOptions:\n'.length).split('\n')) {
    const m = OPTION_LINE.exec(line.trim());
    if (!m) continue;
    if (m[1] !== LETTERS[options.length]) break; // the list ended (or is not one)
    options.push(m[2]!);
  }
  return { question: prompt.slice(0, at), options };
}

const wordsOf = (s: string): string[] => s.toLowerCase().match(/[a-z0-9.]+/g) ?? [];

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  const union = a.size + b.size - shared;
  return union ? shared / union : 0;
}

/** One feature row per option of the prompt. */
export function optionFeatures(prompt: string): number[][] {
  const { question, options } = parseOptions(prompt);
  if (options.length === 0) return [];
  const questionWords = new Set(wordsOf(question));
  const words = options.map((o) => new Set(wordsOf(o)));
  const lengths = options.map((o) => o.length);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  const longest = Math.max(...lengths);
  const shortest = Math.min(...lengths);
  const values = options.map((o) => {
    const m = /-?\d[\d,]*\.?\d*/.exec(o);
    return m ? Number.parseFloat(m[0].replace(/,/g, '')) : Number.NaN;
  });
  // Options carrying a number, in increasing order of it.
  const byValue = values
    .map((v, i) => [v, i] as const)
    .filter(([v]) => Number.isFinite(v))
    .sort((a, b) => a[0] - b[0])
    .map(([, i]) => i);
  return options.map((o, i) => {
    const own = [...words[i]!];
    const overlap = own.length ? own.filter((w) => questionWords.has(w)).length / own.length : 0;
    const others = words.filter((_, j) => j !== i).map((w) => jaccard(words[i]!, w));
    const rank = byValue.indexOf(i);
    const half = (byValue.length - 1) / 2;
    const middle = rank < 0 || byValue.length < 3 ? 0 : 1 - Math.abs(rank - half) / half;
    return [
      Math.log((o.length + 1) / (meanLength + 1)),
      o.length === longest ? 1 : 0,
      o.length === shortest ? 1 : 0,
      overlap,
      options.some((p, j) => j !== i && p === o) ? 1 : 0,
      /^-?[\d.,$%\s]+[a-zA-Z%/^]*\s*$/.test(o) ? 1 : 0,
      /none of|all of|both|neither/i.test(o) ? 1 : 0,
      i / 9,
      others.length ? others.reduce((a, b) => a + b, 0) / others.length : 0,
      others.length ? Math.max(...others) : 0,
      middle,
      rank < 0 ? 0 : 1,
    ];
  });
}

/** Score per option (by letter index); empty when the prompt lists no options. */
export function optionScores(prompt: string, weights: readonly number[]): number[] {
  return optionFeatures(prompt).map((f) => f.reduce((s, v, k) => s + v * weights[k]!, 0));
}

/**
 * The option prior as evidence for one named choice: log(π (N − 1) / (1 − π)), π its softmax
 * probability among the N options. Zero for a uniform prior, an unlisted letter or no options, so
 * adding it to an answer's log-odds of being right is Bayes' rule with the prior in place of 1/N.
 */
export function optionEvidence(scores: readonly number[], choice: string | null): number {
  const at = choice === null ? -1 : LETTERS.indexOf(choice);
  if (at < 0 || at >= scores.length || scores.length < 2) return 0;
  const max = Math.max(...scores);
  const total = scores.reduce((s, v) => s + Math.exp(v - max), 0);
  const pi = Math.min(1 - 1e-6, Math.max(1e-6, Math.exp(scores[at]! - max) / total));
  return Math.log((pi * (scores.length - 1)) / (1 - pi));
}

/** The option prior: the softmax over each question's options that best picks the right one. */
export function fitOptionPrior(prompts: readonly string[], answers: readonly (string | null)[], epochs = 100, learningRate = 0.3): number[] {
  const groups = prompts.flatMap((p, i) => {
    const right = answers[i] === null ? -1 : LETTERS.indexOf(answers[i]!);
    const features = optionFeatures(p);
    return right >= 0 && right < features.length ? [{ candidates: features.map((f) => f.map((v, k) => [k, v] as const)), right }] : [];
  });
  const w = fitChoiceModel(groups, OPTION_FEATURES, { epochs, learningRate, shrink: 0 });
  return [...w].map((x) => Math.round(x * 1e5) / 1e5);
}
