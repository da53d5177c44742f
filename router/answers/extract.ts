// Final-answer extraction from an expert's free text, so answers written differently ("The answer
// is (H)", "\boxed{H}", `"answer": "H"`) count as the same vote. Keys come from key.ts.

import { answerKey, type AnswerKey, type AnswerReading } from './key';
import { jsonAnswerField, jsonAnswerIsNull } from './json-field';

// Explicit answer statements, most specific first. The first two are the rules MMLU-Pro's own
// extractor uses (and so what the recorded `pred` was made with); the first occurrence wins, like
// there, because base models often keep writing invented follow-up questions after answering. A
// letter that starts a word or a formula ("(Insufficient data)", "$C(20,10) = …$") is no option.
const CHOICE_STATEMENTS: readonly RegExp[] = [
  /answer is:?\s*\}?\s*\(?\s*(?:\*\*|\$)?\s*\(?([A-J])(?:\)|\$)?(?![A-Za-z0-9'(_{^=])/,
  /answer:\**\s*\(?\**\s*([A-J])\)?(?![A-Za-z0-9'])/i,
  /\\boxed\{\s*(?:\\text\{\s*)?\(?([A-J])\)?\s*\}/,
  /(?:correct|best|closest|right) (?:option|answer|choice)(?: is|:)\s*(?:option\s*)?\**\(?([A-J])\)?(?![A-Za-z0-9'])/i,
];
// Where options are listed under lowercase letters: a letter closed by its bracket, or alone, so
// "the answer is a dolphin" names none.
const LOWERCASE_STATEMENT = /answer is:?\s*\**\s*\(?([a-j])\)/;
const TERSE_LOWERCASE = /^(?:\*\*)?\(?([a-j])(?:$|\*\*$|\)(?:$|\s|\*\*))/;

/**
 * A reply that is itself an option ("D", "(D)", "D. 9x80", "**D**", "b) dolphin"), as a terse model
 * answers "Answer with the letter": a letter closed by punctuation or the reply's end, so "I think …"
 * is none.
 */
const TERSE_CHOICE = /^(?:\*\*)?\(?([A-J])(?:$|\*\*$|\*\*\s|[.):](?:$|\s|\*\*))/;

/**
 * The multiple-choice letter (A–J) an answer commits to, or null when it states none; with
 * `lowercase` (options listed as "a) …") also "b) dolphin" and "the answer is (b)".
 */
export function extractChoice(text: string, lowercase = false): string | null {
  const patterns = lowercase ? [...CHOICE_STATEMENTS, LOWERCASE_STATEMENT] : CHOICE_STATEMENTS;
  for (const pattern of patterns) {
    const m = pattern.exec(text);
    if (m?.[1]) return m[1].toUpperCase();
  }
  const trimmed = text.trim();
  if (trimmed.length > 60 || trimmed.includes('\n')) return null;
  return TERSE_CHOICE.exec(trimmed)?.[1] ?? (lowercase ? (TERSE_LOWERCASE.exec(trimmed)?.[1]?.toUpperCase() ?? null) : null);
}

/**
 * The final answer a reply commits to, keyed for comparison: for multiple choice its letter; the
 * JSON `answer` field when the prompt prescribed one; otherwise, in this order, the JSON `answer` field (what the prompt asked for when it asked for
 * JSON), the last `\boxed{}`, the span after "the (final) answer is" / "Answer:", or the whole
 * reply when it is itself short. Null when nothing answer-like is found.
 */
export function extractAnswer(text: string, reading: AnswerReading = { expect: 'any' }): AnswerKey | null {
  const { expect } = reading;
  // Read as a whole, `{"answer": null}` would be a vote for that dict (or for the text "answer null").
  if (jsonAnswerIsNull(text)) return null;
  if (expect === 'choice' && !reading.json) {
    const letter = extractChoice(text, reading.lowercase);
    return letter === null ? null : { format: 'choice', value: letter };
  }
  if (reading.json) {
    const field = jsonAnswerField(text);
    return field === null ? null : answerKey(field, expect, reading.topic);
  }
  for (const span of statedSpans(text)) {
    const key = answerKey(span, expect, reading.topic);
    if (key) return key;
  }
  return null;
}

/** Candidate answer spans, most explicit first. */
function* statedSpans(text: string): Generator<string> {
  const field = jsonAnswerField(text);
  if (field !== null) yield field;
  const boxed = lastBoxed(text);
  if (boxed !== null) yield boxed;
  const stated = /(?:final answer(?: is)?|answer is|answer\s*:)\s*:?\s*([^\n]{1,80})/i.exec(text);
  if (stated?.[1]) yield stated[1];
  const trimmed = text.trim();
  if (trimmed.length > 0 && trimmed.length <= 60 && !trimmed.includes('\n')) yield trimmed;
}

/** The content of the last `\boxed{…}`, braces balanced. */
function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + '\\boxed'.length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + '\\boxed{'.length, i);
  }
  return null;
}
