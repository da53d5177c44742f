import { DEFAULT_EXPECTED_OUTPUT_TOKENS, callCostUsd, tokensOf, type Prices } from './cost';
import { ExpertCallError } from './errors';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertCaller, ExpertStream } from './types';

// A route's spend against its max_cost_usd, enforced on every call it makes: answering experts,
// replacements, the fallback, the skill extractor, the synthesizer, the judge and every
// Mixture-of-Agents round all go through `caller()`. A call is made only when its estimate (its
// prompt plus the expected answer) fits what is left; its max_tokens is then lowered to what the
// rest of the budget affords and held until the call settles, so calls in flight together can
// never add up to more than the cap.

export interface BudgetOptions {
  cap: number | undefined;
  /** Tokens of the conversation the answering experts read, for estimating their calls. */
  promptTokens: number;
  /** Prices of every expert the route may call (the whole registry: a named aggregator need not be eligible). */
  prices: ReadonlyMap<string, Prices>;
  /** Output tokens a call is expected to produce before it answers (the request's max_tokens, else the default). */
  expectedOutputTokens?: number;
  /** Choices an answering call returns (the request's n): each is a whole answer's output, paid for. */
  choices?: number;
}

export class RouteBudget {
  private spent = 0;
  private held = 0;
  /** Set aside for calls the plan still intends (the aggregator's), which earlier calls may not eat into. */
  keep = 0;
  readonly cap: number | undefined;
  readonly expectedOutputTokens: number;
  private readonly promptTokens: number;
  private readonly prices: ReadonlyMap<string, Prices>;
  private readonly choices: number;

  constructor(opts: BudgetOptions) {
    this.cap = opts.cap;
    this.promptTokens = opts.promptTokens;
    this.prices = opts.prices;
    this.expectedOutputTokens = opts.expectedOutputTokens ?? DEFAULT_EXPECTED_OUTPUT_TOKENS;
    this.choices = opts.choices ?? 1;
  }

  get spentUsd(): number {
    return this.spent;
  }

  /** Expected cost of an answering expert's call (the prompt, the expected answer). */
  estimate(expertId: string): number {
    const p = this.prices.get(expertId);
    return p ? callCostUsd(p, { promptTokens: this.promptTokens, completionTokens: this.expectedOutputTokens * this.choices }) : 0;
  }

  /** Expected cost of a call as made: its prompt, and the expected answer (or its max_tokens, when lower) per choice. */
  expectedCostUsd(expertId: string, messages: readonly ChatMessage[], opts: CallOptions): number {
    const prices = this.prices.get(expertId);
    return prices ? callCosts(prices, messages, opts, this.expectedOutputTokens).expected : 0;
  }

  /**
   * Runs the strategy's decision. Calls it makes before anything is planned (an LLM skill
   * extractor) may not eat the room the cheapest answering call needs: past it they are refused
   * and the strategy does without.
   */
  async deciding<T>(experts: readonly { id: string }[], decide: () => Promise<T>): Promise<T> {
    this.keep = this.cap === undefined ? 0 : Math.min(...experts.map((e) => this.estimate(e.id)));
    try {
      return await decide();
    } finally {
      this.keep = 0;
    }
  }

  /** What is neither spent, held by calls in flight, nor kept for the aggregator. */
  private get left(): number {
    return (this.cap ?? Infinity) - this.spent - this.held - this.keep;
  }

  /** The candidates whose estimates still fit, in order; one that does not fit is skipped, not the rest. */
  fit<T extends { expertId: string }>(stage: readonly T[]): T[] {
    let left = this.left;
    return stage.filter((c) => {
      const cost = this.estimate(c.expertId);
      if (cost > left) return false;
      left -= cost;
      return true;
    });
  }

  /**
   * Starts calls that run side by side: each may use its own estimate plus an equal share of what
   * the others' estimates leave, so the first started cannot take the budget its siblings need.
   */
  together<C extends { expertId: string }, T>(calls: readonly C[], start: (call: C, index: number) => T): T[] {
    if (this.cap === undefined) return calls.map(start);
    const base = this.keep;
    const share = calls.map((c) => this.estimate(c.expertId));
    const slack = Math.max(0, this.left - share.reduce((a, b) => a + b, 0)) / calls.length;
    try {
      return calls.map((c, i) => {
        this.keep = base + share.slice(i + 1).reduce((a, b) => a + b + slack, 0);
        return start(c, i);
      });
    } finally {
      this.keep = base;
    }
  }

  /** Wraps a caller so each call is checked against, and charged to, this budget. */
  caller(inner: ExpertCaller): ExpertCaller {
    return {
      complete: async (expertId, messages, opts) => {
        const call = this.open(expertId, messages, opts);
        try {
          return call.settle(await inner.complete(expertId, messages, call.opts));
        } catch (e) {
          call.release();
          throw e;
        }
      },
      stream: (expertId, messages, opts): ExpertStream => {
        const call = this.open(expertId, messages, opts);
        const s = inner.stream(expertId, messages, call.opts);
        const done = s.done.then(
          (a) => call.settle(a),
          (e: unknown) => {
            call.release();
            // A stream cut off after it delivered output was paid for that output.
            if (e instanceof ExpertCallError) this.spent += e.costUsd;
            return Promise.reject(e);
          },
        );
        // As the inner stream's: a failure also surfaces through `deltas`, so nobody need await `done`.
        done.catch(() => undefined);
        return { deltas: s.deltas, done };
      },
    };
  }

  /** Reserves a call's worst case (prompt + the max_tokens it gets), or refuses it. Synchronous, so parallel calls see each other. */
  private open(
    expertId: string,
    messages: readonly ChatMessage[],
    opts: CallOptions,
  ): { opts: CallOptions; settle(a: ExpertAnswer): ExpertAnswer; release(): void } {
    const prices = this.prices.get(expertId);
    if (this.cap === undefined || !prices) {
      return {
        opts,
        settle: (a) => {
          this.spent += a.costUsd;
          return a;
        },
        release: () => undefined,
      };
    }
    const { input, output, wanted, choices, expected } = callCosts(prices, messages, opts, this.expectedOutputTokens);
    const left = this.left;
    if (expected > left) {
      throw new ExpertCallError(
        expertId,
        `not called: its estimated $${expected.toFixed(6)} does not fit what is left of max_cost_usd=${this.cap} ($${Math.max(0, left).toFixed(6)})`,
        { source: 'client', kind: 'over_budget' },
      );
    }
    const affordable = prices.outputPricePerMTok > 0 ? Math.floor(((left - input) * 1e6) / prices.outputPricePerMTok / choices) : Infinity;
    const maxTokens = Math.min(wanted ?? Infinity, affordable);
    const reserved = Number.isFinite(maxTokens) ? input + output(maxTokens) : input;
    this.held += reserved;
    let open = true;
    const release = () => {
      if (open) this.held -= reserved;
      open = false;
    };
    const capped: CallOptions = Number.isFinite(maxTokens)
      ? { ...opts, maxTokens, ...(opts.params?.max_completion_tokens !== undefined ? { params: { ...opts.params, max_completion_tokens: maxTokens } } : {}) }
      : opts;
    return {
      opts: capped,
      settle: (a) => {
        release();
        this.spent += a.costUsd;
        return a;
      },
      release,
    };
  }
}

/** A call's input cost, its output cost for so many tokens a choice, the max_tokens it asks for, and its expected cost. */
function callCosts(prices: Prices, messages: readonly ChatMessage[], opts: CallOptions, expectedOutputTokens: number) {
  const promptTokens = messages.reduce((n, m) => n + tokensOf(m.content), 0);
  const input = callCostUsd(prices, { promptTokens, completionTokens: 0 });
  const wanted = opts.params?.max_completion_tokens ?? opts.maxTokens;
  // max_tokens bounds each of the n choices a call returns, and every choice is paid for.
  const choices = opts.params?.n ?? 1;
  const output = (tokens: number) => callCostUsd(prices, { promptTokens: 0, completionTokens: tokens * choices });
  return { input, output, wanted, choices, expected: input + output(Math.min(wanted ?? Infinity, expectedOutputTokens)) };
}
