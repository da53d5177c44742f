import type { Env } from './env';
import { rollUpAndPrune } from './history/retention';

/** The cron job: roll up and prune old history. */
export async function runScheduled(env: Env, now = Date.now()): Promise<{ pruned: number }> {
  const pruned = await rollUpAndPrune(env.DB, Number(env.RETENTION_DAYS ?? 30), now);
  console.log(JSON.stringify({ event: 'scheduled', pruned }));
  return { pruned };
}
