import type { ArtifactSet } from '../artifacts';
import type { RoutingPolicy } from '../policy';
import { StackedVote } from '../stacker/vote';
import { buildStrategies } from '../strategies';
import { train, type TrainOptions } from '../train';
import type { ExpertProfile } from '../types';
import { baselineRouters, pricesOf, strategyRouter, summarizeTraining, type Router, type TrainingSummary } from './baselines';
import { kFolds, trainIndices } from './folds';
import { chooseLadders, withLadderChoices, type LadderChoice } from './ladder-choice';
import { withLiveAggregation, type LiveAggregator } from './live';
import type { OfflineAggregation, ReplayOptions } from './replay';
import type { EvalExample, QuestionResult } from './types';
import { pseudoLabelled } from '../unsupervised/pseudo-labels';

// Train on one split, route another, score with the recorded outcomes; or the same pooled over
// k folds of one split. Every router sees the same test questions.

export interface EvalOptions {
  /** Policies to evaluate, by display name. */
  policies: readonly RoutingPolicy[];
  /** Vote on recorded preds or on choices extracted from the answer texts. */
  source: ReplayOptions['source'];
  /** Replaces each policy's aggregation (the CLI's --aggregate). */
  aggregateOverride?: OfflineAggregation;
  /** Synthesis or judging through a live expert, replacing each policy's aggregation. */
  live?: LiveAggregator;
  train?: Partial<TrainOptions>;
  includeBaselines: boolean;
  /** `none`: train with every `answer` and `correct` replaced by the experts' consensus (router/unsupervised); the routed split is still scored on its labels. */
  labels?: 'all' | 'none';
  /** Route only the first N questions of the data (live aggregators make a call per question); training is unchanged. */
  routeAtMost?: number;
  /**
   * Choose by this many folds of each training split whether the cascade presets run the agreement
   * ladder (router/eval/ladder-choice.ts), as `npm run train` does; without it they stay cascades.
   */
  ladderFolds?: number;
  /** Told each training split's ladder choices. */
  onLadderChoice?: (choices: LadderChoice[]) => void;
}

export type ResultsByRouter = Map<string, QuestionResult[]>;

/** Offline aggregation of a policy (the live-only kinds are refused by the caller before this). */
export function offlineAggregation(policy: RoutingPolicy, override?: OfflineAggregation): OfflineAggregation {
  const kind = override ?? policy.aggregate;
  if (kind === 'first' || kind === 'vote' || kind === 'weighted-vote' || kind === 'stacked-vote') return kind;
  throw new Error(`aggregation '${kind}' needs a live expert (synthesize / judge / layers cannot replay recorded answers)`);
}

export function routersFor(artifacts: ArtifactSet, summary: TrainingSummary, experts: ExpertProfile[], opts: EvalOptions): Router[] {
  const strategies = buildStrategies(artifacts);
  const stacked = StackedVote.load(artifacts);
  const routers: Router[] = opts.policies.map((policy) => {
    const strategy = strategies.get(policy.strategy);
    if (!strategy) throw new Error(`strategy '${policy.strategy}' is not built`);
    // Under a live aggregator the cascade still escalates on the vote of its answers so far.
    const aggregation = opts.live ? 'vote' : offlineAggregation(policy, opts.aggregateOverride);
    const router = strategyRouter(policy.name, strategy, experts, policy, { aggregation, source: opts.source, competence: summary.accuracy, stacked });
    return opts.live ? withLiveAggregation(router, opts.live, pricesOf(experts)) : router;
  });
  return opts.includeBaselines ? [...routers, ...baselineRouters(summary, experts, opts.source)] : routers;
}

export async function evaluateSplit(
  labelled: readonly EvalExample[],
  testSet: readonly EvalExample[],
  experts: ExpertProfile[],
  opts: EvalOptions,
): Promise<ResultsByRouter> {
  const trainSet = opts.labels === 'none' ? pseudoLabelled(labelled) : labelled;
  let records = train(trainSet, { prices: pricesOf(experts), ...opts.train });
  if (opts.ladderFolds) {
    const choices = await chooseLadders(trainSet, opts.ladderFolds, experts, opts.policies, opts);
    opts.onLadderChoice?.(choices);
    records = withLadderChoices(records, choices);
  }
  const artifacts: ArtifactSet = new Map(records.map((r) => [r.name, r]));
  const routers = routersFor(artifacts, summarizeTraining(trainSet, experts), experts, opts);
  const out: ResultsByRouter = new Map();
  for (const router of routers) {
    const results: QuestionResult[] = [];
    for (const x of testSet.slice(0, opts.routeAtMost ?? testSet.length)) results.push(await router.run(x));
    out.set(router.name, results);
  }
  return out;
}

/** k-fold cross-validation on one split; results are pooled over the folds in question order. */
export async function crossValidate(
  examples: readonly EvalExample[],
  folds: number,
  experts: ExpertProfile[],
  opts: EvalOptions,
  onFold?: (fold: number) => void,
): Promise<ResultsByRouter> {
  const pooled: ResultsByRouter = new Map();
  const n = examples.length;
  for (const [f, test] of kFolds(n, folds).entries()) {
    onFold?.(f);
    const routed = test.filter((i) => i < (opts.routeAtMost ?? n));
    if (routed.length === 0) continue;
    const results = await evaluateSplit(
      trainIndices(n, test).map((i) => examples[i]!),
      routed.map((i) => examples[i]!),
      experts,
      { ...opts, routeAtMost: undefined },
    );
    for (const [name, rs] of results) pooled.set(name, [...(pooled.get(name) ?? []), ...rs]);
  }
  return pooled;
}
