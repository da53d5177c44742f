import type { RouteBudget } from '../budget';
import type { RoutingPolicy } from '../policy';
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

export interface Aggregator {
  readonly name: string;
  run(ctx: AggregationContext): AggregationRun;
}
