// The evaluation's view of a labelled question. Structural, so the Node loader's RoutingExample
// fits without a copy. Only `prompt` ever reaches a strategy; the rest scores the outcome.

export interface RecordedAnswer {
  pred: string | null;
  correct: boolean;
  text: string;
}

export interface EvalExample {
  prompt: string;
  answer: string;
  outcomes: Readonly<Record<string, RecordedAnswer>>;
}

/** What happened to one question under one router. */
export interface QuestionResult {
  correct: boolean;
  costUsd: number;
  /** Experts whose answers were paid for, in call order. */
  called: string[];
  /** The final answer letter (null when none could be read). */
  answer: string | null;
  /** For votes: how many voters' extracted choice (from their text) matched their recorded pred. */
  extraction?: { agree: number; total: number };
}

export interface Metrics {
  accuracy: number;
  cost_per_query: number;
  cost_vs_best_single: number;
  experts_per_query: number;
}
