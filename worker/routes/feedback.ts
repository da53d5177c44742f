import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { InvalidRequestError, NotFoundError, PermissionError } from '../../router/errors';
import { createDb } from '../db/client';
import { rateRoute } from '../db/feedback';
import { routes } from '../db/schema';
import { banditIntervalMs, type AppEnv } from '../env';
import { findFreshRoute } from '../history/fresh-route';
import { ANSWER_ID_PREFIX } from '../history/route-id';
import { requireApiKey } from '../http/auth';
import { readJson } from '../http/validation';
import { learnBanditAfterFeedback } from '../learning/learn';

export const feedbackSchema = z
  .object({
    route_id: z.string().min(1).max(64),
    /** 1 = the answer was right / good, 0 = wrong / bad. */
    score: z.number().min(0).max(1),
    /** The right answer (a letter, a number, a short text): the routers learn which experts gave it. */
    answer: z.string().trim().min(1).max(2_000).optional(),
    comment: z.string().max(2_000).optional(),
  })
  .strict();

export const feedbackRoutes = new Hono<AppEnv>();

/**
 * Feedback on a routed answer, one per route and key (rating again replaces it): stored with the
 * route; the bandit learns from it within seconds, the other routers at the next cron run. */
feedbackRoutes.post('/v1/feedback', requireApiKey, async (c) => {
  const input = await readJson(c, feedbackSchema, 'feedback');
  const db = createDb(c.env.DB);
  const route = await findFreshRoute(input.route_id, async () => {
    const [row] = await db.select({ id: routes.id, apiKeyId: routes.apiKeyId }).from(routes).where(eq(routes.id, input.route_id)).limit(1);
    return row;
  });
  if (!route) {
    // An OpenAI client shows the answer's `id`, which is the route id behind `chatcmpl-`.
    if (input.route_id.startsWith(ANSWER_ID_PREFIX))
      throw new InvalidRequestError(
        `route '${input.route_id}' not found: that is the answer's id; route_id is its routing.route_id (or x-route-id header): use '${input.route_id.slice(ANSWER_ID_PREFIX.length)}'`,
        'not_found',
        'route_id',
        404,
      );
    throw new NotFoundError('route', input.route_id);
  }
  const keyId = c.get('apiKeyId');
  // A client key may only rate its own routes; the dev key (null) is the local operator.
  if (keyId !== null && route.apiKeyId !== keyId) throw new PermissionError(`route '${input.route_id}' was not made with this key`, 'route_id');
  const { row, replaced } = await rateRoute(db, {
    routeId: route.id,
    apiKeyId: keyId,
    score: input.score,
    answer: input.answer ?? null,
    comment: input.comment ?? null,
  });
  c.executionCtx.waitUntil(learnBanditAfterFeedback(c.env.DB, banditIntervalMs(c.env)));
  return c.json({ id: row.id, route_id: route.id, score: row.score, answer: row.answer, replaced }, replaced ? 200 : 201);
});
