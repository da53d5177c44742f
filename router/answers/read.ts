import { extractAnswer, extractChoice } from './extract';
import { answerKey } from './key';
import { readingForPrompt } from './prompt-kind';

// The one way votes, the stacked vote, the cascade's stopping rule, the answer-confidence model
// and the evaluation read answers: each reply to a prompt keyed as that prompt's kind says, so two
// replies name the same answer exactly when their keys are equal strings.

export type AnswerReader = (text: string) => string | null;

let last: { prompt: string; reader: AnswerReader } | null = null;

/** Reads replies to `prompt` (letters for multiple choice, else per the expected format). */
export function answerReader(prompt: string): AnswerReader {
  // Cascades and stacked votes read several replies to the same prompt in a row.
  if (last?.prompt === prompt) return last.reader;
  const reading = readingForPrompt(prompt);
  const reader: AnswerReader =
    reading.expect !== 'choice'
      ? (text) => extractAnswer(text, reading)?.value ?? null
      : reading.lowercase
        ? (text) => extractChoice(text, true)
        : (text) => extractChoice(text);
  last = { prompt, reader };
  return reader;
}

/** The key of a reference answer (or a recorded pred) to `prompt`, comparable with what `answerReader` returns. */
export function referenceKey(prompt: string, answer: string): string | null {
  const reading = readingForPrompt(prompt);
  return answerKey(answer, reading.expect, reading.topic)?.value ?? null;
}
