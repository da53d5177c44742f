import { z } from 'zod';
import { answerReader } from '../answers/read';
import { promptKind } from '../answers/prompt-kind';
import { callCostUsd, tokensOf, type Prices } from '../cost';

// The agreement ladder, learned at train time: call experts in a fixed order, the first two
// together, stop as soon as two answers agree (by answer key, router/answers), else call the next;
// with no two agreeing, the answer of the most accurate expert called stands (the vote's
// tie-break). Which experts, in which order, is searched on the training outcomes: every ladder of
// 1, 3 or 4 of the strongest experts, and those on the frontier continued with the rest of them,
// replayed on the recorded answers and costed by what the calls cost there. The artifact keeps the ladders on the accuracy–cost frontier with how often
// each rung was reached, so the strategy picks the most accurate one within a policy's budget at
// the registry's current prices (router/cascade/agreement-strategy.ts).
//
// Per answer kind too: a number, a Python value and a letter are asked of different tasks, where
// different experts are strong and agreement means different things (on ZeroEval the best ladder for
// CRUXEval's Python values is not GSM8K/MATH's), so where the training prompts hold several kinds
// each gets its own frontier, and a budget is spent across them where it buys most accuracy
// (router/cascade/ladder-budget.ts): +1.3 / +1.1 / +0.5 points at 0.35× / 1× / 1.5× on ZeroEval
// (5-fold CV, scratch replay of four fold seeds), and nothing changes on a one-kind pool (MMLU-Pro).

export const AGREEMENT_LADDER_ARTIFACT = 'agreement-ladder';

/** How many of the strongest experts the search orders; chosen by cross-validation (docs/routing.md). */
export const DEFAULT_LADDER_POOL = 8;
/** Below this many comparable questions answered by every candidate, no ladder is learned. */
const MIN_QUESTIONS = 30;

const ladderSchema = z.object({
  experts: z.array(z.string()).min(1),
  /** Training accuracy of the ladder (in-sample: one order among a few thousand). */
  accuracy: z.number().min(0).max(1),
  /** Share of the training questions on which each rung was called (1 for the first two). */
  reach: z.array(z.number().min(0).max(1)),
  /**
   * Mean prompt and answer tokens per rung over the questions that reached it (later rungs see
   * the harder questions, with longer answers): the expected cost at any prices.
   */
  tokens: z.array(z.object({ prompt: z.number().nonnegative(), completion: z.number().nonnegative() })),
  /** Training cost per question in units of the training's best single model's (over all the questions). */
  cost: z.number().nonnegative(),
});

export const agreementLadderSchema = z.object({
  /** The frontier over every comparable question: for a kind of prompt without its own. */
  ladders: z.array(ladderSchema),
  /**
   * One frontier per answer kind (`answerKind`) with its share of the training questions, when
   * there were several kinds with enough questions each; ladders are scored on that kind alone.
   */
  byKind: z.array(z.object({ kind: z.string(), share: z.number().min(0).max(1), ladders: z.array(ladderSchema) })).default([]),
  /** Questions the search replayed. */
  questions: z.number().int().nonnegative(),
  /**
   * Cost budgets at which a cross-validation of the training split found the ladder more accurate
   * than the cascade preset of that budget (router/eval/ladder-choice.ts): a cascade with such a
   * `cost_budget` runs the ladder.
   */
  preferredAt: z.array(z.number()).default([]),
});
export type AgreementLadders = z.infer<typeof agreementLadderSchema>;
export type Ladder = z.infer<typeof ladderSchema>;
export type KindLadders = AgreementLadders['byKind'][number];

/** The kind of answer a comparable prompt asks for (a letter, a number, a Python value, a short text); null: open-ended. */
export function answerKind(prompt: string): string | null {
  const kind = promptKind(prompt);
  return kind.kind === 'open-ended' ? null : kind.expect;
}

export interface LadderOutcome {
  correct: boolean;
  text?: string;
  costUsd?: number;
}

export interface LadderExample {
  prompt: string;
  outcomes: Readonly<Record<string, LadderOutcome | undefined>>;
}

/** One question as the search replays it: per candidate expert its answer key (an int, -1 none), correctness and cost. */
interface Row {
  kind: string;
  keys: Int32Array;
  correct: Uint8Array;
  cost: Float64Array;
  promptTokens: number;
  completionTokens: Float64Array;
}

/**
 * Searches the ladders and returns those on the frontier (each more accurate than every cheaper
 * one), cheapest first; null when too few comparable questions carry every candidate's answer.
 */
export function trainAgreementLadders(
  examples: readonly LadderExample[],
  prices: ReadonlyMap<string, Prices> | undefined,
  pool = DEFAULT_LADDER_POOL,
): AgreementLadders | null {
  const comparable = examples.filter((x) => answerKind(x.prompt) !== null);
  const experts = strongest(comparable, pool);
  const rows = comparable.flatMap((x) => {
    const row = rowOf(x, experts, prices);
    return row ? [row] : [];
  });
  if (rows.length < MIN_QUESTIONS || experts.length === 0) return null;
  const n = rows.length;
  const accuracy = experts.map((_, e) => rows.reduce((s, r) => s + r.correct[e]!, 0) / n);
  const meanCost = experts.map((_, e) => rows.reduce((s, r) => s + r.cost[e]!, 0) / n);
  const best = accuracy.indexOf(Math.max(...accuracy));
  // Every frontier's cost per question of its kind is in units of the best single model over all
  // of them, so a kind's cost times its share adds up to the whole mix's.
  const unit = meanCost[best]! > 0 ? meanCost[best]! : 1;
  const orders = ladders(experts.length);
  const search = (subset: readonly Row[]): Ladder[] => {
    const scored = (order: readonly number[]): Scored => {
      const { correct, reach, cost, tokens } = replay(subset, order, accuracy);
      const m = subset.length;
      return {
        order,
        experts: order.map((e) => experts[e]!),
        accuracy: correct / m,
        reach: reach.map((r) => r / m),
        tokens: tokens.map((t, r) => ({ prompt: t.prompt / Math.max(1, reach[r]!), completion: t.completion / Math.max(1, reach[r]!) })),
        cost: cost / m / unit,
      };
    };
    const searched = frontier(orders.map(scored));
    // Each frontier ladder also continued, while still no two agree, with the rest of the pool in
    // order of accuracy: a question that splits the first three or four answers is where another
    // strong opinion pays. Only the frontier is continued (a few dozen replays, not thousands), so
    // the search does not get a second, larger space to overfit.
    const continued = searched.flatMap((l) => continuations(l.order, experts.length).map(scored));
    return frontier([...searched, ...continued]).map(({ order: _order, ...ladder }) => ladder);
  };
  const kinds = new Map<string, Row[]>();
  for (const r of rows) {
    const subset = kinds.get(r.kind);
    if (subset) subset.push(r);
    else kinds.set(r.kind, [r]);
  }
  const own = [...kinds].filter(([, subset]) => subset.length >= MIN_QUESTIONS);
  const byKind = own.length > 1 ? own.map(([kind, subset]) => ({ kind, share: subset.length / n, ladders: search(subset) })) : [];
  return { ladders: search(rows), byKind, questions: n, preferredAt: [] };
}

/** The `pool` most accurate experts among those that answered at least half the questions. */
function strongest(examples: readonly LadderExample[], pool: number): string[] {
  const right = new Map<string, number>();
  const answered = new Map<string, number>();
  for (const x of examples)
    for (const [id, o] of Object.entries(x.outcomes)) {
      if (!o) continue;
      answered.set(id, (answered.get(id) ?? 0) + 1);
      right.set(id, (right.get(id) ?? 0) + (o.correct ? 1 : 0));
    }
  return [...answered]
    .filter(([, count]) => count >= examples.length / 2)
    .map(([id, count]) => ({ id, rate: right.get(id)! / count }))
    .sort((a, b) => b.rate - a.rate || (a.id < b.id ? -1 : 1))
    .slice(0, pool)
    .map((x) => x.id);
}

function rowOf(x: LadderExample, experts: readonly string[], prices: ReadonlyMap<string, Prices> | undefined): Row | null {
  const read = answerReader(x.prompt);
  const ids = new Map<string, number>();
  const row: Row = {
    kind: answerKind(x.prompt)!,
    keys: new Int32Array(experts.length),
    correct: new Uint8Array(experts.length),
    cost: new Float64Array(experts.length),
    promptTokens: tokensOf(x.prompt),
    completionTokens: new Float64Array(experts.length),
  };
  for (const [e, id] of experts.entries()) {
    const o = x.outcomes[id];
    if (o?.text === undefined) return null;
    const cost = o.costUsd ?? costOf(x.prompt, o.text, prices?.get(id));
    if (cost === null) return null;
    const key = read(o.text);
    if (key !== null && !ids.has(key)) ids.set(key, ids.size);
    row.keys[e] = key === null ? -1 : ids.get(key)!;
    row.correct[e] = o.correct ? 1 : 0;
    row.cost[e] = cost;
    row.completionTokens[e] = tokensOf(o.text);
  }
  return row;
}

/** The call's cost by the data's rule: the prompt and the answer's tokens at the expert's prices. */
function costOf(prompt: string, text: string, prices: Prices | undefined): number | null {
  return prices ? callCostUsd(prices, { promptTokens: tokensOf(prompt), completionTokens: tokensOf(text) }) : null;
}

/**
 * Every ladder of 1, 3 or 4 of `m` experts, the first two rungs (called together) as an unordered
 * pair. Two rungs alone never stop early; one is a single call, the fallback of a tight budget.
 */
function ladders(m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < m; a++) {
    out.push([a]);
    for (let b = a + 1; b < m; b++)
      for (let c = 0; c < m; c++) {
        if (c === a || c === b) continue;
        out.push([a, b, c]);
        for (let d = 0; d < m; d++) if (d !== a && d !== b && d !== c) out.push([a, b, c, d]);
      }
  }
  return out;
}

/** A ladder with its rungs as indices into the searched experts. */
type Scored = Ladder & { order: readonly number[] };

/**
 * `order` followed by 1, 2, … of the other experts, strongest first (the searched experts are
 * sorted by accuracy); none for a single call, which never waits on agreement.
 */
function continuations(order: readonly number[], m: number): number[][] {
  if (order.length < 3) return [];
  const rest = Array.from({ length: m }, (_, e) => e).filter((e) => !order.includes(e));
  return rest.map((_, i) => [...order, ...rest.slice(0, i + 1)]);
}

interface Replayed {
  correct: number;
  /** Calls per rung. */
  reach: number[];
  cost: number;
  /** Summed tokens per rung over its calls. */
  tokens: { prompt: number; completion: number }[];
}

/** Replays one ladder on the training questions. */
function replay(rows: readonly Row[], order: readonly number[], competence: readonly number[]): Replayed {
  const reach = order.map(() => 0);
  const tokens = order.map(() => ({ prompt: 0, completion: 0 }));
  let correct = 0;
  let cost = 0;
  for (const row of rows) {
    const { rungs, right } = runLadder(
      order.map((e) => row.keys[e]!),
      order.map((e) => competence[e]!),
    );
    for (let r = 0; r < rungs; r++) {
      reach[r]!++;
      cost += row.cost[order[r]!]!;
      tokens[r]!.prompt += row.promptTokens;
      tokens[r]!.completion += row.completionTokens[order[r]!]!;
    }
    if (right >= 0 && row.correct[order[right]!]) correct++;
  }
  return { correct, reach, cost, tokens };
}

/**
 * The ladder on one question's answer keys (-1: none stated): how many rungs were called and
 * which rung's answer stands (-1 when none stated one). Two rungs are called together; each next
 * rung only while no two answers agree. With no agreement, the most competent stated answer wins
 * (a vote of single ballots breaks ties so, router/aggregate/tally.ts).
 */
export function runLadder(keys: readonly number[], competence: readonly number[]): { rungs: number; right: number } {
  const first = Math.min(2, keys.length);
  for (let called = first; called <= keys.length; called++) {
    const agreed = agreement(keys, called);
    if (agreed >= 0) return { rungs: called, right: agreed };
  }
  let right = -1;
  for (let r = 0; r < keys.length; r++) if (keys[r]! >= 0 && (right < 0 || competence[r]! > competence[right]!)) right = r;
  return { rungs: keys.length, right };
}

/** A rung among the first `called` whose stated answer another of them shares; -1 when none. */
function agreement(keys: readonly number[], called: number): number {
  for (let i = 0; i < called; i++) for (let j = i + 1; j < called; j++) if (keys[i]! >= 0 && keys[i] === keys[j]) return i;
  return -1;
}

/** The ladders more accurate than every cheaper one, cheapest first. */
function frontier<T extends Ladder>(scored: T[]): T[] {
  const out: T[] = [];
  for (const l of [...scored].sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy))
    if (out.length === 0 || l.accuracy > out.at(-1)!.accuracy) out.push(l);
  return out;
}
