import type { RouteBudget } from '../budget';
import type { RoutingPolicy } from '../policy';
import type { PromptP, StackAnswer } from '../stacker/vote';
import type { AggregationResult, ExpertAnswer, ExpertCaller, ExpertProfile, RouteRequest, RoutingDecision } from '../types';

/** Everything an aggregator may use: the experts' answers plus a caller for synthesis / judging. */
export interface AggregationContext {
  request: RouteRequest;
  policy: RoutingPolicy;
  decision: RoutingDecision;
  /** Successful answers of the routed experts, in arrival order; never empty. */
  answers: ExpertAnswer[];
  /** The registry (eligible experts), for choosing an aggregator and for competence tie-breaks. */
  experts: ExpertProfile[];
  /** Charged to the route's budget (max_cost_usd): a call that does not fit is refused with an over_budget error. */
  caller: ExpertCaller;
  /** The route's budget, for calls made side by side (refinement rounds). */
  budget?: RouteBudget;
  signal?: AbortSignal;
}

/** A running aggregation: the final text as it is produced, then the result. */
export interface AggregationRun {
  deltas: AsyncIterable<string>;
  result: Promise<AggregationResult>;
}

/** One answer as a forecast counts it: its expert, the answer key its text commits to (router/answers), its text. */
export type ForecastBallot = StackAnswer;

/** What an aggregator's forecast reads: the answers so far and what the caller knows of their experts. */
export interface ForecastInput {
  prompt: string;
  /** The answers so far, in arrival order. */
  ballots: readonly ForecastBallot[];
  /** Vote weight per expert (weighted votes); 1 where absent. */
  weights?: ReadonlyMap<string, number>;
  /** Breaks ties: the tied answer whose best supporter is most competent wins, then the earliest. Unknown counts as 0. */
  competence?: ReadonlyMap<string, number>;
  /** P(correct | prompt) per expert where the caller has it (the stacked vote's prompt evidence). */
  promptP?: PromptP;
  /** Experts that may still answer: the forecast says whether their ballots could change the answer. */
  ahead?: readonly string[];
}

/** What an aggregator would return if it ran now on the ballots. */
export interface Forecast {
  /** The answer key it would return; null when no ballot states one. */
  answer: string | null;
  /** The expert whose reply would be the response; null when the aggregator would pick one by other means. */
  winner: string | null;
  /** Score per answer where the aggregator counts (summed vote weights, the stacked vote's scores). */
  tally?: Record<string, number>;
  /** The aggregator's own P(answer is right), where it estimates one. */
  p?: number;
  /** With `ahead`: true when no ballots of theirs, all for the closest rival, could change the answer. */
  settled?: boolean;
}

export interface Aggregator {
  readonly name: string;
  run(ctx: AggregationContext): AggregationRun;
  /**
   * The answer `run` would return on these ballots, without calling anyone: the cascade's stopping
   * rule and the offline evaluation ask it instead of re-counting each aggregator by name. Null
   * when it cannot be foreseen (a synthesis, a judge's verdict).
   */
  forecast(input: ForecastInput): Forecast | null;
  /** The plainer aggregator this one refines (the stacked vote refines the weighted vote): a stopping rule on the vote counts it as that one. */
  readonly refines?: string;
}
