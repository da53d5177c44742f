import { loggingCaller, type AggregatorCall } from '../aggregate/calls';
import { aggregateWithCaller } from '../aggregate/offline';
import type { Prices } from '../cost';
import type { ExpertAnswer, ExpertCaller } from '../types';
import type { Router } from './baselines';
import { recordedAnswer } from './replay';

// Synthesis and judging cannot replay recorded answers: they write or pick a new one. Here a live
// expert does it from the recorded answers a policy called, with the gateway's own prompts, and the
// aggregator's calls are costed with the experts' answers.

export interface LiveAggregator {
  kind: 'synthesize' | 'judge';
  caller: ExpertCaller;
  /** The aggregator as the caller knows it. */
  expertId: string;
}

/**
 * The router with its final answer written (synthesize) or picked (judge) by the live aggregator.
 * With one answer there is nothing to combine, and it stands, as in the gateway.
 */
export function withLiveAggregation(router: Router, live: LiveAggregator, prices: ReadonlyMap<string, Prices>): Router {
  return {
    name: router.name,
    async run(x) {
      const routed = await router.run(x);
      const answers = routed.called.map((id) => recordedAnswer(x, id, prices)).filter((a): a is ExpertAnswer => a !== null);
      if (answers.length < 2) return routed;
      const log: AggregatorCall[] = [];
      const out = await aggregateWithCaller(live.kind, x.prompt, answers, loggingCaller(live.caller, log), live.expertId);
      const aggregatorCost = log.reduce((s, c) => s + c.cost_usd, 0);
      return { ...routed, answer: out.answer, correct: out.answer !== null && out.answer === x.answer, costUsd: routed.costUsd + aggregatorCost };
    },
  };
}
