import { beforeAll, describe, expect, it } from 'vitest';
import { aggregateRecorded, extractChoice, measureExtractionAgreement } from '../../router/aggregate/offline';
import { DEFAULT_DATA, loadExamples, type RoutingExample } from '../../scripts/lib/dataset';

// Extraction is checked on real recorded replies from the dev split, not on invented strings.

let byId: Map<string, RoutingExample>;
beforeAll(() => {
  byId = new Map(loadExamples(DEFAULT_DATA).map((e) => [e.id, e]));
});

function recorded(id: string, model: string): { pred: string | null; text: string } {
  const outcome = byId.get(id)?.outcomes[model];
  if (!outcome) throw new Error(`no recorded answer ${id} / ${model}`);
  return outcome;
}

describe('extractChoice on recorded replies', () => {
  it.each<[id: string, model: string, expected: string | null, why: string]>([
    ['mmlu-pro-73', 'Qwen1.5-72B-Chat', 'H', 'two statements: the first one counts, as in the recorded pred'],
    ['mmlu-pro-102', 'DeepSeek-Coder-V2', 'D', 'only a \\boxed{D}'],
    ['mmlu-pro-119', 'c4ai-command-r-v01', 'A', '"The answer is **A**" (bold), recorded pred is null'],
    ['mmlu-pro-110', 'c4ai-command-r-v01', 'B', '"the answer is 2 * 18 = 36 men … Final answer: B."'],
    ['mmlu-pro-89', 'Qwen1.5-7B-Chat', 'F', '"The closest option is (F)."'],
    ['mmlu-pro-107', 'DeepSeek-Coder-V2', 'A', 'LaTeX "\\text{The answer is } A"'],
    ['mmlu-pro-86', 'Mistral-7B-Instruct-v0.2', null, '"(Insufficient information)" is not option I'],
    ['mmlu-pro-7768', 'Mixtral-8x7B-Instruct-v0.1', 'F', '"The answer is $C(20,10) = 184756$. The answer is (F)": a formula is no option'],
    ['mmlu-pro-8382', 'Meta-Llama-3_1-70B-Instruct', 'H', '"the answer is January 22nd. The answer is (H)" (recorded pred: J)'],
  ])('%s %s → %s (%s)', (id, model, expected) => {
    expect(extractChoice(recorded(id, model).text)).toBe(expected);
  });

  it('agrees with the recorded pred on a fixed sample of the dev split (every 25th question, all 29 models)', () => {
    const rows = [...byId.values()].filter((_, i) => i % 25 === 0).flatMap((e) => Object.values(e.outcomes));
    const agreement = measureExtractionAgreement(rows);
    expect(agreement.total).toBe(Math.ceil(byId.size / 25) * 29);
    // Measured 98.7% on the whole split; the rest is mostly MMLU-Pro's random guess for replies
    // that state no letter, which no extractor can reproduce.
    expect(agreement.rate).toBeGreaterThan(0.97);
    expect(agreement.different / agreement.total).toBeLessThan(0.002);
  });
});

describe('aggregateRecorded', () => {
  it('takes the majority of the recorded preds and returns a supporter as winner', () => {
    const out = aggregateRecorded(
      'vote',
      [
        { expertId: 'a', pred: 'B', text: '' },
        { expertId: 'b', pred: 'C', text: '' },
        { expertId: 'c', pred: 'C', text: '' },
        { expertId: 'd', pred: null, text: '' },
      ],
      { source: 'pred' },
    );
    expect(out).toEqual({ answer: 'C', winner: 'b', tally: { B: 1, C: 2 } });
  });

  it('votes on letters extracted from text when asked to, ignoring pred', () => {
    const out = aggregateRecorded(
      'vote',
      [
        { expertId: 'a', pred: 'A', text: 'The answer is (D).' },
        { expertId: 'b', pred: 'A', text: 'Answer: D' },
        { expertId: 'c', pred: 'A', text: 'The answer is (A).' },
      ],
      { source: 'text' },
    );
    expect(out).toEqual({ answer: 'D', winner: 'a', tally: { D: 2, A: 1 } });
  });

  it('breaks a tie by competence, then by order', () => {
    const answers = [
      { expertId: 'weak', pred: 'A', text: '' },
      { expertId: 'strong', pred: 'B', text: '' },
    ];
    expect(
      aggregateRecorded('vote', answers, {
        source: 'pred',
        competence: new Map([
          ['weak', 0.3],
          ['strong', 0.7],
        ]),
      }),
    ).toMatchObject({ answer: 'B', winner: 'strong' });
    expect(aggregateRecorded('vote', answers, { source: 'pred' })).toMatchObject({ answer: 'A', winner: 'weak' });
  });

  it('lets weights outvote a plain majority in weighted-vote, and ignores them in vote', () => {
    const answers = [
      { expertId: 'a', pred: 'A', text: '', weight: 0.2 },
      { expertId: 'b', pred: 'A', text: '', weight: 0.2 },
      { expertId: 'c', pred: 'E', text: '', weight: 0.9 },
    ];
    expect(aggregateRecorded('weighted-vote', answers, { source: 'pred' })).toMatchObject({ answer: 'E', winner: 'c' });
    expect(aggregateRecorded('vote', answers, { source: 'pred' })).toMatchObject({ answer: 'A', winner: 'a' });
  });

  it('returns no answer when nobody stated one', () => {
    expect(aggregateRecorded('vote', [{ expertId: 'a', pred: null, text: 'hmm' }], { source: 'text' })).toEqual({ answer: null, winner: null, tally: {} });
  });
});
