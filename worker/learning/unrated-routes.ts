import { and, asc, eq, gt, gte, inArray, isNotNull, lt, max, min, notExists } from 'drizzle-orm';
import type { AnsweredRoute } from '../../router/unsupervised/route-labels';
import type { Db } from '../db/client';
import { consensusLearned, feedback, routeCalls, routes } from '../db/schema';

// Unrated routes for the cron's learning without labels. A route's calls are written in one
// transaction (worker/db/history-write.ts), so their ids are consecutive and a route is "after" a
// watermark of call ids exactly when all its calls are: the watermark is the last call id read.

export interface UnratedRoute extends AnsweredRoute {
  routeId: string;
  /** Its last call's id: the position learned through. */
  lastCallId: number;
}

export interface UnratedPage {
  /** Unrated routes of the page not learned yet, with two experts' answers or more. */
  routes: UnratedRoute[];
  /** Routes read (rated, single-expert and learned ones included: the watermark moves past them). */
  read: number;
  /** The last call id the page covers. */
  through: number;
}

/**
 * The routes whose calls come after call `afterId`, oldest first, at most `limit`, stopping before
 * the first route written at or after `settledBefore` (raters get until then: a rated route is
 * learned from its rating). Kept: routes nobody rated, not learned by consensus yet, whose answering
 * experts (at least `minExperts`) replied.
 */
export async function unratedRoutesAfter(db: Db, afterId: number, limit: number, settledBefore: number, minExperts: number): Promise<UnratedPage> {
  const [unsettled] = await db
    .select({ id: min(routeCalls.id) })
    .from(routeCalls)
    .innerJoin(routes, eq(routes.id, routeCalls.routeId))
    .where(and(gt(routeCalls.id, afterId), gte(routes.createdAt, settledBefore)));
  const within = unsettled?.id == null ? gt(routeCalls.id, afterId) : and(gt(routeCalls.id, afterId), lt(routeCalls.id, unsettled.id));
  const oldest = asc(max(routeCalls.id));
  const page = await db
    .select({ routeId: routeCalls.routeId, last: max(routeCalls.id) })
    .from(routeCalls)
    .where(within)
    .groupBy(routeCalls.routeId)
    .orderBy(oldest)
    .limit(limit);
  if (page.length === 0) return { routes: [], read: 0, through: afterId };
  // The same page as a subquery, not the ids as parameters: D1 binds at most 100 parameters per statement.
  const ids = db.select({ routeId: routeCalls.routeId }).from(routeCalls).where(within).groupBy(routeCalls.routeId).orderBy(oldest).limit(limit);
  const unrated = await db
    .select({ id: routes.id, prompt: routes.prompt })
    .from(routes)
    .where(
      and(
        inArray(routes.id, ids),
        notExists(db.select({ id: feedback.id }).from(feedback).where(eq(feedback.routeId, routes.id))),
        notExists(db.select({ id: consensusLearned.routeId }).from(consensusLearned).where(eq(consensusLearned.routeId, routes.id))),
      ),
    );
  const answers = await db
    .select({ routeId: routeCalls.routeId, expertId: routeCalls.expertId, text: routeCalls.response, costUsd: routeCalls.costUsd })
    .from(routeCalls)
    .where(and(inArray(routeCalls.routeId, ids), eq(routeCalls.role, 'expert'), eq(routeCalls.status, 'ok'), isNotNull(routeCalls.response)))
    .orderBy(asc(routeCalls.id));
  const byRoute = new Map<string, Map<string, AnsweredRoute['answers'][number]>>();
  for (const a of answers) {
    const experts = byRoute.get(a.routeId) ?? new Map();
    // An expert answers once per route; a replacement call is another expert.
    if (!experts.has(a.expertId)) experts.set(a.expertId, { expertId: a.expertId, text: a.text!, costUsd: a.costUsd });
    byRoute.set(a.routeId, experts);
  }
  const lastOf = new Map(page.map((p) => [p.routeId, p.last!]));
  const kept = unrated
    .map((r) => ({ routeId: r.id, prompt: r.prompt, lastCallId: lastOf.get(r.id)!, answers: [...(byRoute.get(r.id)?.values() ?? [])] }))
    .filter((r) => r.answers.length >= minExperts)
    .sort((a, b) => a.lastCallId - b.lastCallId);
  return { routes: kept, read: page.length, through: page.at(-1)!.last! };
}
