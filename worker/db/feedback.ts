import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from './client';
import { feedback } from './schema';

export type FeedbackRow = typeof feedback.$inferSelect;

export interface Rating {
  routeId: string;
  apiKeyId: string | null;
  score: number;
  answer: string | null;
  comment: string | null;
}

/**
 * One rating per route and key: a new one replaces the earlier (in one batch, so two racing
 * ratings leave one row). The new row gets a new id, so the learners, which read feedback after
 * their watermark, learn the correction.
 */
export async function rateRoute(db: Db, r: Rating): Promise<{ row: FeedbackRow; replaced: boolean }> {
  const sameRater = and(eq(feedback.routeId, r.routeId), r.apiKeyId === null ? isNull(feedback.apiKeyId) : eq(feedback.apiKeyId, r.apiKeyId));
  const [removed, inserted] = await db.batch([db.delete(feedback).where(sameRater).returning({ id: feedback.id }), db.insert(feedback).values(r).returning()]);
  return { row: inserted[0]!, replaced: removed.length > 0 };
}
