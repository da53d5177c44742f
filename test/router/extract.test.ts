import { beforeAll, describe, expect, it } from 'vitest';
import { extractChoice, measureExtractionAgreement } from '../../router/aggregate/offline';
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

  it('a terse reply that is only an option ("D", "(D)", "D. 9x80", "**D**") states that option; a sentence starting with a letter does not', () => {
    for (const reply of ['D', 'D.', '(D)', 'D) 9x80', 'D. 9x80', '**D**', '**D. 9x80**', 'D: 9x80', ' D\n'])
      expect([reply, extractChoice(reply)]).toEqual([reply, 'D']);
    for (const reply of ['I think it is 9x80', 'A bird in the hand', 'B12 deficiency', 'D is not right because of 9x80, so I would rule it out', 'C++']) {
      expect([reply, extractChoice(reply)]).toEqual([reply, null]);
    }
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
