import { bestSynthesizer, type SynthesisSkillRanking } from './synthesis-skill';
import type { AggregationContext } from './types';

export interface AggregatorChoice {
  expertId: string;
  /** Why this expert: named by the policy, best measured synthesis skill, or the router's top pick. */
  chosenBy: 'policy' | 'synthesis-skill' | 'routing-rank';
}

/**
 * The expert that synthesizes or judges. A policy's `aggregator` is used as named (deliberately
 * not limited by `allow`, which is about answering experts); otherwise the eligible expert with the
 * best measured synthesis skill; without a ranking, the router's best-ranked eligible expert.
 */
export function chooseAggregator(ctx: AggregationContext, ranking: SynthesisSkillRanking | null): AggregatorChoice {
  if (ctx.policy.aggregator) return { expertId: ctx.policy.aggregator, chosenBy: 'policy' };
  const skilled = ranking ? bestSynthesizer(ranking, ctx.experts) : null;
  if (skilled) return { expertId: skilled, chosenBy: 'synthesis-skill' };
  const eligible = new Set(ctx.experts.map((e) => e.id));
  const top = ctx.decision.ranked.find((c) => eligible.has(c.expertId))?.expertId ?? ctx.answers[0]!.expertId;
  return { expertId: top, chosenBy: 'routing-rank' };
}
