import { Hono } from 'hono';
import { z } from 'zod';
import { NotFoundError } from '../../router/errors';
import { createDb } from '../db/client';
import { getRouteWithCalls, listRoutes } from '../db/history';
import type { AppEnv } from '../env';
import { findFreshRoute } from '../history/fresh-route';
import { parseWith } from '../http/validation';
import { calledJson, callJson, feedbackJson, routeJson, type RouteDetailJson } from './route-view';

const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime().transform((s) => Date.parse(s))]);

const routeQuery = z
  .object({
    policy: z.string().max(128).optional(),
    model: z.string().max(128).optional(),
    expert: z.string().max(128).optional(),
    key: z.string().max(64).optional(),
    /** Full-text search over prompts and answers: every word must appear (`"a phrase"`, `pre*`). */
    q: z.string().trim().min(1).max(500).optional(),
    status: z.enum(['ok', 'error']).optional(),
    since: time.optional(),
    until: time.optional(),
    cursor: z.string().max(256).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const adminHistory = new Hono<AppEnv>();

/** Routing history, newest first, filtered and keyset-paged (`next_cursor`). */
adminHistory.get('/', async (c) => {
  const q = parseWith(routeQuery, c.req.query(), 'query');
  const page = await listRoutes(createDb(c.env.DB), { ...q, apiKeyId: q.key });
  return c.json({ data: page.routes.map((r) => ({ ...routeJson(r), called: calledJson(r.called) })), next_cursor: page.nextCursor });
});

/** One route with every call made for it, in the order they started, and the feedback given. */
adminHistory.get('/:id', async (c) => {
  const db = createDb(c.env.DB);
  const found = await findFreshRoute(c.req.param('id'), async () => (await getRouteWithCalls(db, c.req.param('id'))) ?? undefined);
  if (!found) throw new NotFoundError('route', c.req.param('id'));
  const calls = [...found.calls].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  return c.json({ route: routeJson(found.route), calls: calls.map(callJson), feedback: found.feedback.map(feedbackJson) } satisfies RouteDetailJson);
});
