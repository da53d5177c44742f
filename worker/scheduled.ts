import { consensusAfterMs, retentionDays, type Env } from './env';
import { rollUpAndPrune } from './history/retention';
import { learnFromFeedback, type LearningReport } from './learning/learn';
import { learnFromConsensus, type ConsensusReport } from './learning/unrated';

export interface ScheduledReport {
  learned: LearningReport | null;
  consensus: ConsensusReport | null;
  pruned: number | null;
}

/**
 * The cron job: the routers learn from the feedback since their last run, then from the unrated
 * routes that called several experts (by their consensus; feedback first, so a rated route is
 * learned from its rating), then old history is rolled up and pruned (learning first, so a route
 * is learned before it can be pruned).
 * Each step runs even when the other fails; a failure is logged, and the next run starts again from
 * the same watermark. A malformed RETENTION_DAYS fails the retention step, so nothing is pruned.
 */
export async function runScheduled(env: Env, now = Date.now()): Promise<ScheduledReport> {
  const learned = await step('learn', () => learnFromFeedback(env.DB));
  const consensus = await step('consensus', () => learnFromConsensus(env.DB, now - consensusAfterMs(env)));
  const pruned = await step('retention', () => rollUpAndPrune(env.DB, retentionDays(env), now));
  console.log(JSON.stringify({ event: 'scheduled', learned, consensus, pruned }));
  return { learned, consensus, pruned };
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (e) {
    console.error(JSON.stringify({ event: 'scheduled_step_failed', step: name, error: String(e) }));
    return null;
  }
}
