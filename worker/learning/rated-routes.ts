import { and, asc, eq, gt, inArray, notExists } from 'drizzle-orm';
import type { RatedCall, RatedRoute } from '../../router/online/labels';
import type { Db } from '../db/client';
import { consensusLearned, feedback, routeCalls, routes } from '../db/schema';

/**
 * Feedback rows after `afterId`, oldest first, each with its route's prompt, answer and calls.
 * A rating of a route the cron already learned from its experts' consensus is left out: that
 * route has counted once.
 */
export async function ratedRoutesAfter(db: Db, afterId: number, limit: number): Promise<RatedRoute[]> {
  const unlearned = and(
    gt(feedback.id, afterId),
    notExists(db.select({ routeId: consensusLearned.routeId }).from(consensusLearned).where(eq(consensusLearned.routeId, feedback.routeId))),
  );
  const page = db.select({ routeId: feedback.routeId }).from(feedback).where(unlearned).orderBy(asc(feedback.id)).limit(limit);
  const rated = await db
    .select({
      feedbackId: feedback.id,
      score: feedback.score,
      answer: feedback.answer,
      routeId: routes.id,
      prompt: routes.prompt,
      response: routes.response,
      aggregation: routes.aggregationJson,
    })
    .from(feedback)
    .innerJoin(routes, eq(routes.id, feedback.routeId))
    .where(unlearned)
    .orderBy(asc(feedback.id))
    .limit(limit);
  if (rated.length === 0) return [];
  const calls = await db
    .select({
      routeId: routeCalls.routeId,
      expertId: routeCalls.expertId,
      role: routeCalls.role,
      status: routeCalls.status,
      response: routeCalls.response,
      costUsd: routeCalls.costUsd,
    })
    .from(routeCalls)
    // A subquery, not the ids as parameters: D1 binds at most 100 parameters per statement.
    .where(inArray(routeCalls.routeId, page))
    .orderBy(asc(routeCalls.id));
  const byRoute = new Map<string, RatedCall[]>();
  for (const { routeId, ...call } of calls) byRoute.set(routeId, [...(byRoute.get(routeId) ?? []), call]);
  return rated.map((r) => ({
    feedbackId: r.feedbackId,
    routeId: r.routeId,
    prompt: r.prompt,
    response: r.response,
    winner: typeof r.aggregation?.winner === 'string' ? r.aggregation.winner : null,
    score: r.score,
    answer: r.answer,
    calls: byRoute.get(r.routeId) ?? [],
  }));
}
