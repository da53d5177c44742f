import { describe, expect, it } from 'vitest';
import { promptKind } from '../../router/answers/prompt-kind';
import { DEFAULT_DATA, loadExamples } from '../../scripts/lib/dataset';
import { OPEN_ENDED_PROMPTS } from '../support/open-ended-prompts';

// The kind of answer a prompt asks for, from the prompt alone: both dev splits (every prompt) and
// hand-written chat prompts, since the data holds no open-ended requests.

describe('promptKind', () => {
  it('every MMLU-Pro dev prompt is multiple-choice, with its options counted', () => {
    const data = loadExamples(DEFAULT_DATA).filter((_, i) => i % 5 === 0);
    for (const q of data) expect([q.id, promptKind(q.prompt)]).toEqual([q.id, { kind: 'multiple-choice', expect: 'choice', options: q.options.length }]);
  });

  it('every ZeroEval dev prompt is short-answer: code output a value, math a number, read from the JSON field', () => {
    const expected: Record<string, string> = { crux: 'value', gsm: 'number', 'math-l5': 'number' };
    for (const q of loadExamples('data/zeroeval-routing/dev.jsonl.gz')) {
      expect([q.id, promptKind(q.prompt)]).toEqual([q.id, { kind: 'short-answer', expect: expected[q.category], json: true }]);
    }
  });

  it.each(OPEN_ENDED_PROMPTS)('open-ended: %s', (prompt) => {
    expect(promptKind(prompt)).toEqual({ kind: 'open-ended' });
  });

  // Questions that open like a factoid ("What is …?", "Which …?") but ask for an opinion, an
  // explanation or a definition: their replies are paragraphs, so a ladder could never agree.
  it.each([
    'What is the meaning of life?',
    'What would happen if the moon disappeared?',
    'What is the best way to learn programming?',
    "What's a good name for a golden retriever?",
    'What do you think about remote work?',
    'What is machine learning?',
    'What are the benefits of meditation?',
    'What is the difference between TCP and UDP?',
    'Which is better for a beginner, Python or JavaScript?',
    'What should I cook for dinner tonight?',
    "What's the weather like in Paris in spring?",
  ])('open-ended although it opens like a factoid: %j', (prompt) => {
    expect(promptKind(prompt)).toEqual({ kind: 'open-ended' });
  });

  it.each([
    ['What is the capital of Australia?', 'text'],
    ['How many legs does a spider have?', 'number'],
    ['What is 17 * 23?', 'number'],
    ['Solve for x: 3x + 5 = 20', 'number'],
    ['What does this code print?\n```python\nprint(sorted([3, 1, 2]))\n```', 'value'],
    ['Who wrote "Pride and Prejudice"? Give only the answer.', 'text'],
    ['What is 2 + 2? Answer with the number.', 'number'],
    ['What is the capital of France? Reply with one word.', 'text'],
    ['What is 12 / 4? Give the result.', 'number'],
    ['What is the largest planet in the solar system?', 'text'],
    ['What is the boiling point of water in Fahrenheit?', 'text'],
    ['What year did the Second World War end?', 'number'],
    ['Which is larger, 9.11 or 9.9?', 'number'],
    ['What is the difference between 17 and 5?', 'number'],
  ])('short-answer: %j → %s', (prompt, expect_) => {
    expect(promptKind(prompt)).toMatchObject({ kind: 'short-answer', expect: expect_ });
  });

  // A request to write a text that merely uses one of the listed options: its replies are texts,
  // not letters, so votes and ladders could never compare them.
  it.each([
    'Write a story using one of these settings:\nA. a lighthouse\nB. a desert\nC. a space station',
    'Write a story using one of these settings: (A) a lighthouse (B) a desert (C) a space station',
    'Compose a poem in one of the following forms:\n(A) sonnet\n(B) haiku\n(C) limerick',
    'Draft an email to my team announcing one of these dates for the offsite: (A) May 3 (B) May 10 (C) May 17',
    'Generate a product description for one of these items:\nOptions:\nA. a steel water bottle\nB. a bamboo toothbrush\nC. a wool scarf',
    'Describe a sunset over one of these places:\nA. the Sahara\nB. Santorini\nC. the Grand Canyon',
    'Tell me a bedtime story about one of these animals:\na) a fox\nb) an owl\nc) a bear',
    'Pick one of these prompts and write a 300-word essay on it:\nA. Is social media good for democracy?\nB. Should homework be banned?',
    'Pick one of these settings and write a story:\na) a lighthouse\nb) a desert',
    'Write a short story set in:\nA. Victorian London\nB. a Mars colony\nC. 1920s Chicago',
  ])('open-ended although it lists options: %j', (prompt) => {
    expect(promptKind(prompt)).toEqual({ kind: 'open-ended' });
  });

  // The same shapes asking for a choice: a question to answer by an option, or a letter asked for.
  it.each([
    ['Which of these settings suits a horror story?\nA. a lighthouse\nB. a desert\nC. a space station', 3, false],
    ['Which of these settings suits a horror story? (A) a lighthouse (B) a desert (C) a space station', 3, false],
    ['Which opening line makes the best start to a story?\n(A) It was a dark and stormy night.\n(B) Call me Ishmael.\n(C) Once upon a time.', 3, false],
    ['A writer wants to compose a poem about loss. Which form fits best?\nA. limerick\nB. elegy\nC. haiku', 3, false],
    ['Which subject line is most likely to get this email opened?\nA. Quick question\nB. Invoice overdue\nC. Hello', 3, false],
    [
      'Write the letter of the best title for a story about a lost dog:\nA. Home Again\nB. The Tax Audit\nC. Blue Skies\nAnswer with the letter of the correct option.',
      3,
      false,
    ],
    [
      'Describe the function of the liver.\nA. It filters blood\nB. It pumps blood\nC. It makes insulin\nAnswer with the letter of the correct option.',
      3,
      false,
    ],
    ['Write the letter of the best title for a story about a lost dog:\nA. Home Again\nB. The Tax Audit\nC. Blue Skies', 3, false],
    ['Choose the correct option. Which poem is a sonnet?\nA. one with 14 lines\nB. one with 3 lines\nC. one with 5 lines', 3, false],
    ['Which of these would make a good setting for a ghost story? Pick one:\na) a haunted house\nb) a sunny beach\nc) a shopping mall', 3, true],
  ] as const)('multiple-choice although it mentions writing: %j', (prompt, options, lowercase) => {
    expect(promptKind(prompt)).toEqual({ kind: 'multiple-choice', expect: 'choice', options, ...(lowercase ? { lowercase: true } : {}) });
  });

  it('classifies a 1 MB prompt full of "answer" mentions (the checks are linear, no backtracking)', () => {
    const big = `Please put it in the \`answer\` field. ${'"answer" is a word; {'.repeat(40_000)}`.slice(0, 1_000_000);
    expect(promptKind(big).kind).toBe('short-answer');
  });

  it('lettered options in a chat prompt make it multiple-choice', () => {
    expect(promptKind('Which planet is largest?\n(A) Mars\n(B) Jupiter\n(C) Venus')).toEqual({ kind: 'multiple-choice', expect: 'choice', options: 3 });
    expect(promptKind('Plan A. Go hiking.\nThen write about it.')).toEqual({ kind: 'open-ended' });
    // Options written on one line, as chat users often do.
    expect(promptKind('Which of these is a mammal? (A) shark (B) dolphin (C) trout')).toEqual({ kind: 'multiple-choice', expect: 'choice', options: 3 });
    expect(promptKind('Is 7 prime? (A) yes (B) no. Answer with the letter.')).toEqual({ kind: 'multiple-choice', expect: 'choice', options: 2 });
    expect(promptKind('Write a story where plan (A) fails and plan (B) works.').kind).toBe('open-ended');
  });

  it('lowercase options on their own lines make a question multiple-choice; a lowercase enumeration in prose does not', () => {
    expect(promptKind('Which of these is a mammal?\na) shark\nb) dolphin\nc) trout')).toEqual({
      kind: 'multiple-choice',
      expect: 'choice',
      options: 3,
      lowercase: true,
    });
    expect(promptKind('Choose the prime number:\na. 4\nb. 7\nc. 9\nd. 12')).toEqual({ kind: 'multiple-choice', expect: 'choice', options: 4, lowercase: true });
    expect(promptKind('Write an essay covering:\na) the causes of the war\nb) its effects on trade').kind).toBe('open-ended');
    expect(promptKind('Explain which is faster and why:\na) quicksort\nb) bubble sort').kind).toBe('open-ended');
    expect(promptKind('My plan for the weekend:\na) clean the house\nb) visit my parents\nc) read a book').kind).toBe('open-ended');
    expect(promptKind('You can either a) wait or b) leave now. Tell me how to decide.').kind).toBe('open-ended');
  });
});
