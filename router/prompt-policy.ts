import { promptKind, type PromptKind } from './answers/prompt-kind';
import type { AggregationName, RoutingPolicy } from './policy';
import type { RoutingDecision } from './types';

// Votes, stacked votes and agreement-based stopping compare the experts' final answers; the
// answers to an open-ended request ("Write a haiku about autumn") have none to compare. Such a
// request goes to the one expert with the best predicted quality per cost (the learned ranking
// under the policy's own λ) instead of a ladder that could never agree, unless the policy writes
// or picks an answer from several (synthesize, judge, layers), which works on any text.

/** Aggregations that need comparable answers (the cascade's stopping rule does too). */
const COMPARING: ReadonlySet<AggregationName> = new Set(['vote', 'weighted-vote', 'stacked-vote']);
/** Strategies that stop on agreement between answers: on an open-ended prompt, never. */
const LADDERS: ReadonlySet<string> = new Set(['cascade', 'agreement']);
/** Aggregations that read whole answers, so several experts help on open-ended prompts too. */
const COMPOSING: ReadonlySet<AggregationName> = new Set(['synthesize', 'judge', 'layers']);

/** Whether the aggregation counts comparable answers (a vote over one answer is that answer). */
export function comparesAnswers(aggregate: AggregationName): boolean {
  return COMPARING.has(aggregate);
}

export interface PromptPlan {
  kind: PromptKind;
  /** The policy the strategy runs with for this prompt. */
  policy: RoutingPolicy;
  /** What changed and why, for the routing summary; absent when nothing did. */
  adapted?: { from: Partial<RoutingPolicy>; reason: string };
}

/** The policy as it applies to `prompt`: unchanged unless the prompt is open-ended and the policy compares answers. */
export function policyForPrompt(policy: RoutingPolicy, prompt: string): PromptPlan {
  const kind = promptKind(prompt);
  if (kind.kind !== 'open-ended') return { kind, policy };
  if (COMPOSING.has(policy.aggregate)) {
    // Several answers feed one writer or judge: called together, not as a ladder stopping on agreement.
    if (!LADDERS.has(policy.strategy)) return { kind, policy };
    const together: RoutingPolicy = { ...policy, strategy: 'learned', k: policy.k ?? policy.quorum ?? 2 };
    delete together.stop_on;
    delete together.cost_budget;
    return { kind, policy: together, adapted: { from: { strategy: policy.strategy }, reason: 'open-ended prompt: no agreement to stop on' } };
  }
  // `first` compares nothing: a hedged or raced list is the caller's latency choice, kept as it is.
  if (!COMPARING.has(policy.aggregate) && !LADDERS.has(policy.strategy)) return { kind, policy };
  const single: RoutingPolicy = { ...policy, strategy: LADDERS.has(policy.strategy) ? 'learned' : policy.strategy, aggregate: 'first', k: 1, quorum: 1 };
  delete single.stop_on;
  delete single.cost_budget;
  if (policy.strategy === 'fixed') single.experts = policy.experts?.slice(0, 1);
  const from: Partial<RoutingPolicy> = {
    strategy: policy.strategy,
    aggregate: policy.aggregate,
    ...(policy.k !== undefined ? { k: policy.k } : {}),
    ...(policy.quorum !== undefined ? { quorum: policy.quorum } : {}),
  };
  return { kind, policy: single, adapted: { from, reason: 'open-ended prompt: answers cannot be compared, so one expert answers' } };
}

/** The decision, its info saying the prompt's kind and any adaptation (recorded with the route). */
export function withPromptPlan(decision: RoutingDecision, plan: PromptPlan): RoutingDecision {
  const info = { ...decision.info, prompt_kind: plan.kind.kind, ...(plan.adapted ? { adapted_from: plan.adapted.from, adapted: plan.adapted.reason } : {}) };
  return { ...decision, info };
}
