import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from './client';
import { D1_MAX_BOUND_PARAMS } from './d1-limits';
import { consensusLearned } from './schema';

const MARKS_PER_INSERT = Math.floor(D1_MAX_BOUND_PARAMS / 2);

/** Statements that record routes as learned from their experts' consensus, under D1's parameter limit; for the learning batch. */
export function markConsensusLearned(db: Db, routeIds: readonly string[], at: number): BatchItem<'sqlite'>[] {
  const out: BatchItem<'sqlite'>[] = [];
  for (let i = 0; i < routeIds.length; i += MARKS_PER_INSERT) {
    const rows = routeIds.slice(i, i + MARKS_PER_INSERT).map((routeId) => ({ routeId, learnedAt: at }));
    out.push(db.insert(consensusLearned).values(rows).onConflictDoNothing());
  }
  return out;
}
