import type { Aggregator } from './aggregate/types';
import { firstAggregator } from './aggregate/first';
import type { RouteBudget } from './budget';
import { Channel } from './channel';
import { configuredExperts, eligibleExperts, type LeftOut } from './eligibility';
import { CircuitOpenError, ConclaveError, ExpertCallError, InvalidRequestError, QuorumError, errorMessage } from './errors';
import type { StreamDelta } from './params';
import { planRoute, routeBudget } from './plan';
import type { RoutingPolicy } from './policy';
import { comparesAnswers, policyForPrompt, withPromptPlan } from './prompt-policy';
import type {
  AggregationResult,
  CallOptions,
  Candidate,
  ExpertAnswer,
  ExpertCaller,
  ExpertProfile,
  RouteRequest,
  RoutingDecision,
  RoutingStrategy,
} from './types';

// request → policy → strategy → experts → aggregator: the one path every chat request takes.

export interface RouteEnvironment {
  /** The whole registry; the pipeline filters it by the policy and health. */
  experts: readonly ExpertProfile[];
  strategies: ReadonlyMap<string, RoutingStrategy>;
  aggregators: ReadonlyMap<string, Aggregator>;
  caller: ExpertCaller;
  isHealthy?: (expertId: string) => boolean;
  /** Why an expert cannot be called as configured now (its key not set, …), or null: routing leaves it out unless named. */
  configProblem?: (expertId: string) => string | null;
  /** When the soonest of these unhealthy experts may be called again (ms). */
  retryAfterMs?: (expertIds: readonly string[]) => number;
  /**
   * Awaited once the plan is known and before the first expert call, with its estimated cost
   * (router/plan.ts); throws to refuse the request. The gateway reserves a key's budget here. A
   * strategy that calls experts to decide (the LLM skill extractor) has it awaited with 0 before
   * its first call too; the plan's estimate then follows in a second call.
   */
  admit?: (estimateUsd: number) => Promise<void>;
}

export interface ExpertFailure {
  expertId: string;
  error: ConclaveError;
}

export interface RouteOutcome {
  aggregation: AggregationResult;
  answers: ExpertAnswer[];
  failures: ExpertFailure[];
  /** Experts the strategy chose but the cost cap left out. */
  overBudget: string[];
}

export interface RouteRun {
  decision: RoutingDecision;
  /** The final answer as it is produced: its text, and tool-call pieces on a route that calls one expert. */
  deltas: AsyncIterable<StreamDelta>;
  /** Settles when the answer is complete; rejects with a ConclaveError (quorum, expert, …). */
  result: Promise<RouteOutcome>;
}

/**
 * Decides (throwing a client error for an impossible policy before anything is called), then
 * starts the expert calls and the aggregation. The returned run streams the final answer.
 */
export async function startRoute(req: RouteRequest, requested: RoutingPolicy, env: RouteEnvironment, signal?: AbortSignal): Promise<RouteRun> {
  const prompted = policyForPrompt(requested, req.prompt);
  const policy = prompted.policy;
  const strategy = env.strategies.get(policy.strategy);
  if (!strategy) throw new InvalidRequestError(`routing strategy '${policy.strategy}' is not available`, 'unknown_strategy', 'routing.strategy');
  const aggregator = policy.aggregate === 'first' ? null : env.aggregators.get(policy.aggregate);
  if (aggregator === undefined) {
    throw new InvalidRequestError(`aggregation '${policy.aggregate}' is not available`, 'unknown_aggregation', 'routing.aggregate');
  }
  const { experts: usable, leftOut } = configuredExperts(eligibleExperts(env.experts, policy), policy, env.configProblem);
  const experts = env.isHealthy ? usable.filter((e) => env.isHealthy!(e.id)) : usable;
  if (usable.length === 0) throw new InvalidRequestError('no expert is eligible under this policy (all disabled or denied)', 'no_eligible_expert', 'routing');
  if (experts.length === 0)
    throw new CircuitOpenError(
      usable.map((e) => e.id),
      'routing',
      env.retryAfterMs?.(usable.map((e) => e.id)) ?? null,
    );
  refuseFailingNamed(policy, env);
  const callSignal = combineSignals(signal, policy.timeout_ms);
  // Every call of the route, the strategy's own (an LLM skill extractor) included, is charged to one budget.
  const budget = routeBudget(req, policy, env.experts);
  const caller = budget.caller(env.caller);
  // A key over its limits pays for no call, the strategy's own included: they wait for its admission.
  let admitted: Promise<void> | undefined;
  const deciding = env.admit ? admittedFirst(caller, () => (admitted ??= env.admit!(0))) : caller;
  const decided = await budget.deciding(experts, async () =>
    strategy.decide(req, experts, policy, { caller: deciding, ...(callSignal ? { signal: callSignal } : {}) }),
  );
  const decision = withPromptPlan(decided, prompted);
  if (!decision.stages[0]?.length) throw new InvalidRequestError(`strategy '${policy.strategy}' chose no expert`, 'no_expert_chosen', 'routing');

  const plan = planRoute(req, policy, decision, env.experts, budget.spentUsd);
  if (plan.aggregation && !plan.aggregation.overBudget) budget.keep = plan.aggregation.estimatedCostUsd;
  // The cap is checked before any call so a request that cannot afford even one expert fails cleanly.
  if (plan.stages[0]!.every((c) => c.overBudget)) {
    throw new InvalidRequestError(
      `no chosen expert fits max_cost_usd=${policy.max_cost_usd}: the cheapest is estimated at $${Math.min(...plan.stages[0]!.map((c) => c.estimatedCostUsd)).toFixed(6)}`,
      'over_budget',
      'routing.max_cost_usd',
    );
  }

  await env.admit?.(plan.estimatedCostUsd);

  const out = new Channel<StreamDelta>();
  const quorum = Math.min(policy.quorum ?? 1, Math.max(1, decision.stages.flat().length));
  const ctx: RunContext = { req, policy, env, caller, experts, leftOut, decision, budget, signal: callSignal, out, used: new Set(), quorum };
  // A vote over one planned answer is that answer: it streams as it comes instead of being gathered and counted.
  // A decision planned for a plain vote (the agreement ladder) is counted by one.
  const counting = decision.aggregate ? (env.aggregators.get(decision.aggregate) ?? aggregator) : aggregator;
  const single = decision.stages.length === 1 && (counting === null || (decision.stages[0]!.length === 1 && comparesAnswers(policy.aggregate)));
  const result = single ? runFirst(ctx) : runGathered(ctx, counting ?? firstAggregator);
  result.then(
    () => out.close(),
    (e: unknown) => out.fail(e),
  );
  return { decision, deltas: out, result };
}

/** A caller whose calls each wait for `admit` first (one admission, shared), refused with it. */
function admittedFirst(inner: ExpertCaller, admit: () => Promise<void>): ExpertCaller {
  return {
    complete: async (expertId, messages, opts) => {
      await admit();
      return inner.complete(expertId, messages, opts);
    },
    stream: (expertId, messages, opts) => {
      const started = admit().then(() => inner.stream(expertId, messages, opts));
      const done = started.then((s) => s.done);
      done.catch(() => undefined);
      async function* deltas(): AsyncIterable<StreamDelta> {
        yield* (await started).deltas;
      }
      return { deltas: deltas(), done };
    },
  };
}

/**
 * Experts the policy names itself (fixed's list, the aggregator) are not swapped for others when
 * their circuit is open: the request is refused as the experts' failure (503), before any call.
 */
function refuseFailingNamed(policy: RoutingPolicy, env: RouteEnvironment): void {
  const healthy = env.isHealthy;
  if (!healthy) return;
  const named: [string, readonly string[]][] = [
    ['routing.experts', policy.strategy === 'fixed' ? (policy.experts ?? []) : []],
    ['routing.aggregator', policy.aggregator && policy.aggregate !== 'first' ? [policy.aggregator] : []],
  ];
  for (const [param, ids] of named) {
    const failing = ids.filter((id) => env.experts.some((e) => e.id === id && e.enabled) && !healthy(id));
    if (failing.length) throw new CircuitOpenError(failing, param, env.retryAfterMs?.(failing) ?? null);
  }
}

interface RunContext {
  req: RouteRequest;
  policy: RoutingPolicy;
  env: RouteEnvironment;
  /** env.caller through the route's budget: every call goes through it. */
  caller: ExpertCaller;
  experts: ExpertProfile[];
  /** Experts left out as not callable as configured: a route that fails names them too. */
  leftOut: LeftOut[];
  decision: RoutingDecision;
  budget: RouteBudget;
  signal: AbortSignal | undefined;
  out: Channel<StreamDelta>;
  /** Experts already called for this request, so replacements never repeat one. */
  used: Set<string>;
  /** Answers needed: the policy's quorum, capped at the experts the decision plans to call. */
  quorum: number;
}

/** Hedged / single-expert path: stream every chosen expert, the first to produce text wins. */
async function runFirst(ctx: RunContext): Promise<RouteOutcome> {
  const stage = ctx.budget.fit(ctx.decision.stages[0]!);
  const overBudget = ctx.decision.stages[0]!.filter((c) => !stage.includes(c)).map((c) => c.expertId);
  const failures: ExpertFailure[] = [];
  // Only a race has losers to stop (a signal joined per request is not free in workerd).
  const losers = stage.length > 1 ? new AbortController() : null;
  const signal = losers && ctx.signal ? AbortSignal.any([ctx.signal, losers.signal]) : (losers?.signal ?? ctx.signal);
  let winner: string | null = null;

  const attempts = ctx.budget.together(stage, async (c, i): Promise<ExpertAnswer | null> => {
    // Hedging: the next-ranked expert starts only if the earlier ones are slower than hedge_ms.
    if (i > 0 && ctx.policy.hedge_ms !== undefined) await delay(ctx.policy.hedge_ms * i, signal);
    if (winner !== null) return null;
    try {
      if (!ctx.req.stream && stage.length === 1) {
        // Nothing to race and no client reading deltas: one plain answer, not a stream to parse.
        const answer = await ctx.caller.complete(c.expertId, ctx.req.messages, { ...expertOptions(ctx, 0), signal });
        said(answer);
        winner = c.expertId;
        ctx.out.push(answer.text);
        return answer;
      }
      // A client that is not streaming gets only the final answer: a break mid-answer can be retried.
      const s = ctx.caller.stream(c.expertId, ctx.req.messages, { ...expertOptions(ctx, 0), signal, ...(ctx.req.stream ? {} : { restartable: true }) });
      for await (const delta of s.deltas) {
        if (winner === null) winner = c.expertId;
        if (winner !== c.expertId) break;
        ctx.out.push(delta);
      }
      if (winner !== null && winner !== c.expertId) {
        s.done.catch(() => undefined);
        return null;
      }
      // A stream that ended without a word is a failed answer (below), not a race lost to nobody.
      const answer = said(await s.done);
      losers?.abort();
      return answer;
    } catch (e) {
      if (winner === c.expertId) throw e; // broke mid-answer: the stream must end with an error
      if (winner === null) failures.push({ expertId: c.expertId, error: asConclave(e, c.expertId) });
      return null;
    }
  });
  const settled = await Promise.all(attempts);
  let answer = settled.find((a): a is ExpertAnswer => a !== null);
  if (!answer && !ctx.signal?.aborted) {
    // Every chosen expert failed before answering: the next-ranked ones, until one answers.
    for (const c of stage) ctx.used.add(c.expertId);
    const replacements: ExpertAnswer[] = [];
    await callWithReplacements(ctx, ctx.budget.fit(nextRanked(ctx, 1)), 0, replacements, failures);
    answer = replacements[0];
    if (answer && !hasWords(answer)) {
      failures.push({ expertId: answer.expertId, error: noTextError(answer.expertId) });
      answer = undefined;
    }
    if (answer) ctx.out.push(answer.text);
  }
  if (answer) {
    return { aggregation: { aggregation: 'first', text: answer.text, winner: answer.expertId }, answers: [answer], failures, overBudget };
  }
  const fallback = await callFallback(ctx, failures);
  if (!hasWords(fallback)) {
    failures.push({ expertId: fallback.expertId, error: noTextError(fallback.expertId) });
    throw quorumError(ctx, failures);
  }
  ctx.out.push(fallback.text);
  return {
    aggregation: { aggregation: 'first', text: fallback.text, winner: fallback.expertId, detail: { fallback: true } },
    answers: [fallback],
    failures,
    overBudget,
  };
}

/** An answer with neither text nor a tool call is the expert's failure to answer: never an empty 200. */
function hasWords(answer: ExpertAnswer): boolean {
  return answer.text !== '' || (answer.toolCalls?.length ?? 0) > 0;
}

function noTextError(expertId: string): ExpertCallError {
  return new ExpertCallError(expertId, 'answered with no text', { kind: 'protocol' });
}

/** The answer, or (empty) its expert's failure, thrown. */
function said(answer: ExpertAnswer): ExpertAnswer {
  if (hasWords(answer)) return answer;
  throw noTextError(answer.expertId);
}

/** Calls stage after stage while the strategy asks to escalate, then aggregates the answers. */
async function runGathered(ctx: RunContext, aggregator: Aggregator): Promise<RouteOutcome> {
  const answers: ExpertAnswer[] = [];
  const failures: ExpertFailure[] = [];
  const overBudget: string[] = [];
  const stages = ctx.decision.stages;
  for (let s = 0; s < stages.length; s++) {
    if (s > 0 && !(ctx.decision.escalate?.(answers, s - 1) ?? false)) break;
    const planned = stages[s]!;
    const stage = ctx.budget.fit(planned);
    overBudget.push(...planned.filter((c) => !stage.includes(c)).map((c) => c.expertId));
    await callWithReplacements(ctx, stage, s, answers, failures);
  }
  // The aggregator may now use what was kept aside for it (and what the experts left).
  ctx.budget.keep = 0;
  if (answers.length < ctx.quorum) {
    if (answers.length === 0 || ctx.policy.fallback) {
      const fallback = await callFallback(ctx, failures);
      ctx.out.push(fallback.text);
      // The answers that did arrive were paid for: they stay in the outcome.
      return {
        aggregation: { aggregation: 'fallback', text: fallback.text, winner: fallback.expertId },
        answers: [...answers, fallback],
        failures,
        overBudget,
      };
    }
    throw quorumError(ctx, failures);
  }
  const run = aggregator.run({
    request: ctx.req,
    policy: ctx.policy,
    decision: ctx.decision,
    answers,
    experts: ctx.experts,
    caller: ctx.caller,
    budget: ctx.budget,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  // Observe the result before draining deltas so a rejection is never unhandled.
  run.result.catch(() => undefined);
  for await (const delta of run.deltas) ctx.out.push(delta);
  const aggregation = await run.result;
  if (!aggregation.text)
    throw new ExpertCallError(aggregation.winner ?? ctx.policy.aggregator ?? 'aggregator', 'aggregation produced an empty answer', { kind: 'protocol' });
  return { aggregation, answers, failures, overBudget };
}

/**
 * Calls a stage's experts in parallel; each one that fails is replaced by the next-ranked expert
 * not yet called (within budget), until the stage has as many answers as it planned or the ranking
 * runs out.
 */
async function callWithReplacements(
  ctx: RunContext,
  stage: Candidate[],
  stageIndex: number,
  answers: ExpertAnswer[],
  failures: ExpertFailure[],
): Promise<void> {
  let batch = stage;
  while (batch.length > 0) {
    for (const c of batch) ctx.used.add(c.expertId);
    const settled = await Promise.allSettled(
      ctx.budget.together(batch, (c) => ctx.caller.complete(c.expertId, ctx.req.messages, expertOptions(ctx, stageIndex))),
    );
    let failed = 0;
    settled.forEach((r, i) => {
      const expertId = batch[i]!.expertId;
      if (r.status === 'fulfilled') {
        answers.push(r.value);
      } else {
        failures.push({ expertId, error: asConclave(r.reason, expertId) });
        failed++;
      }
    });
    if (ctx.signal?.aborted) return;
    batch = ctx.budget.fit(nextRanked(ctx, failed));
  }
}

/** Up to n experts from the ranking that no stage has called yet, best first. */
function nextRanked(ctx: RunContext, n: number): Candidate[] {
  if (n === 0) return [];
  const planned = new Set(ctx.decision.stages.flat().map((c) => c.expertId));
  return ctx.decision.ranked.filter((c) => !ctx.used.has(c.expertId) && !planned.has(c.expertId)).slice(0, n);
}

/** The policy's fallback expert, called alone when too few experts answered. */
async function callFallback(ctx: RunContext, failures: ExpertFailure[]): Promise<ExpertAnswer> {
  const fallbackId = ctx.policy.fallback;
  // Past the deadline, or with the client gone, the call could only be cancelled: it is not made.
  if (!fallbackId || ctx.signal?.aborted) throw quorumError(ctx, failures);
  if (ctx.env.isHealthy && !ctx.env.isHealthy(fallbackId)) {
    failures.push({ expertId: fallbackId, error: new CircuitOpenError([fallbackId], 'routing.fallback') });
    throw quorumError(ctx, failures);
  }
  try {
    ctx.budget.keep = 0;
    return await ctx.caller.complete(fallbackId, ctx.req.messages, expertOptions(ctx, ctx.decision.stages.length));
  } catch (e) {
    failures.push({ expertId: fallbackId, error: asConclave(e, fallbackId) });
    throw quorumError(ctx, failures);
  }
}

/** Options for an answering expert's call: its stage, the request's deadline and sampling knobs. */
function expertOptions(ctx: RunContext, stage: number): CallOptions {
  return {
    role: 'expert',
    stage,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.req.maxTokens !== undefined ? { maxTokens: ctx.req.maxTokens } : {}),
    ...(ctx.req.temperature !== undefined ? { temperature: ctx.req.temperature } : {}),
    ...(ctx.req.params ? { params: ctx.req.params } : {}),
  };
}

function quorumError(ctx: RunContext, failures: ExpertFailure[]): QuorumError {
  return new QuorumError(
    ctx.quorum,
    failures.map((f) => ({ expertId: f.expertId, error: f.error.message, source: f.error.source, code: f.error.code })),
    ctx.leftOut.map((l) => ({ expertId: l.expertId, error: l.reason })),
  );
}

function asConclave(e: unknown, expertId: string): ConclaveError {
  if (e instanceof ConclaveError) return e;
  return new ExpertCallError(expertId, errorMessage(e), { source: 'gateway', kind: 'protocol' });
}

function combineSignals(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  const timeout = timeoutMs !== undefined ? AbortSignal.timeout(timeoutMs) : undefined;
  if (signal && timeout) return AbortSignal.any([signal, timeout]);
  return signal ?? timeout;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
