import { extractAnswer } from '../answers/extract';
import { answerKey, sameAnswer, type AnswerKey, type AnswerReading } from '../answers/key';
import { readingForPrompt } from '../answers/prompt-kind';
import type { TrainingExample, TrainingOutcome } from '../train';

// Feedback rates the answer a route returned; the routers learn per expert. A rating turns into
// per-expert outcomes: an expert whose final answer matches the returned one shares its rating; when
// the returned answer was rated good, an expert that answered differently was wrong; when it was
// rated bad, a different answer may or may not be right, so it teaches nothing. When the rater also
// gave the right answer, every expert's answer is compared with it instead: right or wrong, each
// expert that stated an answer is labelled, whatever the route returned (where none stated one, as
// under an open-ended prompt, the score rates the returned answer as without the rater's).

/** Ratings at or above this count as "the answer was right". */
export const GOOD_SCORE = 0.5;

export interface RatedCall {
  expertId: string;
  /** Only `expert` calls answered the prompt; aggregators, judges and extractors did something else. */
  role: string;
  status: string;
  response: string | null;
  costUsd: number;
}

/** A route as the history holds it, with one feedback rating. */
export interface RatedRoute {
  feedbackId: number;
  routeId: string;
  prompt: string;
  /** The text the route returned. */
  response: string | null;
  /** The expert whose answer was returned, when one was (votes, `first`). */
  winner: string | null;
  score: number;
  /** The right answer, when the rater gave it (a letter, a number or a short text). */
  answer: string | null;
  calls: readonly RatedCall[];
}

export interface LabelledExample extends TrainingExample {
  feedbackId: number;
}

/** The rater's answer keyed as the prompt's replies are ("C" or "(c)" for an option; "1,200" for a number). */
export function expectedAnswer(raw: string, reading: AnswerReading): AnswerKey | null {
  return answerKey(raw, reading.expect, reading.topic) ?? extractAnswer(raw, { expect: reading.expect, ...(reading.topic ? { topic: reading.topic } : {}) });
}

/** The per-expert outcomes one rating implies, or null when it implies none. */
export function labelRatedRoute(route: RatedRoute): LabelledExample | null {
  const reading = readingForPrompt(route.prompt);
  const truth = route.answer === null ? null : expectedAnswer(route.answer, reading);
  // Where no expert's reply states an answer to compare with the rater's (an open-ended prompt's
  // prose), the score still rates the answer the route returned.
  const against = truth ? labelAgainst(route, truth, reading) : null;
  if (against) return against;
  const good = route.score >= GOOD_SCORE;
  const returned = route.response === null ? null : extractAnswer(route.response, reading);
  const outcomes: Record<string, TrainingOutcome> = {};
  for (const call of route.calls) {
    if (call.role !== 'expert' || call.status !== 'ok' || call.response === null || outcomes[call.expertId]) continue;
    const answer = extractAnswer(call.response, reading);
    const comparable = returned !== null && answer !== null;
    const same = call.expertId === route.winner || call.response === route.response || sameAnswer(answer, returned);
    // A different answer is known wrong only when the returned one was right and both are comparable.
    if (!same && !(good && comparable)) continue;
    outcomes[call.expertId] = { correct: same ? good : false, costUsd: call.costUsd, text: call.response };
  }
  return Object.keys(outcomes).length ? { feedbackId: route.feedbackId, prompt: route.prompt, outcomes } : null;
}

/** Each expert that stated an answer was right exactly when it is the rater's answer. */
function labelAgainst(route: RatedRoute, truth: AnswerKey, reading: AnswerReading): LabelledExample | null {
  const outcomes: Record<string, TrainingOutcome> = {};
  for (const call of route.calls) {
    if (call.role !== 'expert' || call.status !== 'ok' || call.response === null || outcomes[call.expertId]) continue;
    const answer = extractAnswer(call.response, reading);
    if (answer === null) continue;
    outcomes[call.expertId] = { correct: sameAnswer(answer, truth), costUsd: call.costUsd, text: call.response };
  }
  return Object.keys(outcomes).length ? { feedbackId: route.feedbackId, prompt: route.prompt, outcomes } : null;
}
