import { z } from 'zod';
import { extractAnswer } from './answers/extract';
import { promptKind, readingOf } from './answers/prompt-kind';
import { labelRatedRoute, type RatedRoute } from './online/labels';
import type { ExpertProfile } from './types';

// The one data format for routing data (README "Your own data"): a line per question, with every
// expert's recorded answer and whether it was right. The shipped MMLU-Pro and ZeroEval splits, the
// gateway's own export (GET /admin/api/export) and `npm run train` / `npm run eval` all use it.

/** A free-form answer; a number or boolean written bare (`18`, `true`) is read as its JSON text. */
const answerText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const outcomeSchema = z.object({
  /** The expert's final answer as the task scores it (a letter, a number, a value), or null when it gave none. */
  pred: answerText.nullable(),
  correct: z.boolean(),
  /** The expert's whole answer (its length prices the call; its words feed the answer-confidence model). */
  text: z.string(),
});

export const routingExampleSchema = z.object({
  id: z.string(),
  /** What a router sees at request time. */
  prompt: z.string(),
  question: z.string().optional(),
  /** Multiple-choice options; empty for free-form answers. */
  options: z.array(z.string()).default([]),
  /** The reference answer, free-form ("C", "18", "[1, 2]"); empty when only the outcomes are known. */
  answer: answerText.default(''),
  category: z.string().default(''),
  source: z.string().default(''),
  /** By model name (as in the models file). */
  outcomes: z.record(z.string(), outcomeSchema),
});

export type RoutingExample = z.infer<typeof routingExampleSchema>;
export type RecordedOutcome = z.infer<typeof outcomeSchema>;

/**
 * A rated route of the gateway's history as a line of this format: each answering expert's outcome
 * as the rating implies it (router/online/labels.ts), `answer` the rater's answer when given.
 */
export function exampleOfRatedRoute(route: RatedRoute): RoutingExample | null {
  const labelled = labelRatedRoute(route);
  if (!labelled) return null;
  // An open-ended prompt's reply states no final answer: its pred is null, its rating stays in `correct`.
  const reading = readingOf(promptKind(route.prompt), route.prompt);
  const outcomes: Record<string, RecordedOutcome> = {};
  for (const [expert, o] of Object.entries(labelled.outcomes)) {
    const text = o.text ?? '';
    outcomes[expert] = { pred: reading ? (extractAnswer(text, reading)?.value ?? null) : null, correct: o.correct, text };
  }
  return {
    id: route.routeId,
    prompt: route.prompt,
    question: route.prompt,
    options: [],
    answer: route.answer ?? '',
    category: 'gateway',
    source: `feedback-${route.feedbackId}`,
    outcomes,
  };
}

/** The pool and its list prices (USD per million tokens). */
export const modelsFileSchema = z.object({
  models: z.array(z.object({ name: z.string(), model_id: z.string(), input_per_mtok: z.number().min(0), output_per_mtok: z.number().min(0) })),
});

/** An expert as the admin API lists it (GET /admin/api/experts), the fields a models file needs. */
export interface RegistryExpert {
  id: string;
  model: string;
  input_price_per_mtok: number;
  output_price_per_mtok: number;
}

/** The registry as a models file: named by expert id, as the export's outcomes are. */
export function modelsFileOf(experts: readonly RegistryExpert[]): z.infer<typeof modelsFileSchema> {
  return {
    models: experts.map((e) => ({ name: e.id, model_id: e.model, input_per_mtok: e.input_price_per_mtok, output_per_mtok: e.output_price_per_mtok })),
  };
}

/** The offline replay expert standing for a model of the data: it answers from its recorded texts, at the model's prices. */
export function replayExpertProfile(m: { name: string; inputPricePerMTok: number; outputPricePerMTok: number }): ExpertProfile {
  return {
    id: m.name,
    provider: 'replay',
    model: m.name,
    endpointUrl: null,
    apiKeySecret: null,
    inputPricePerMTok: m.inputPricePerMTok,
    outputPricePerMTok: m.outputPricePerMTok,
    skills: [],
    tags: [],
    enabled: true,
  };
}
