import type { Context, Hono, MiddlewareHandler } from 'hono';
import { createDb } from '../db/client';
import { isSessionRevoked } from '../db/sessions';
import { safeEqual } from '../http/auth';
import type { AppEnv, AppVariables, Env } from '../env';
import { AdminClient } from './api-client';
import { csrfToken, readSessionCookie, verifySession, type Session } from './session';

export interface DashboardVariables extends AppVariables {
  session: Session;
  /** This session's CSRF token, rendered into every form. */
  csrf: string;
  api: AdminClient;
}

export type DashboardEnv = { Bindings: Env; Variables: DashboardVariables };
export type DashboardContext = Context<DashboardEnv>;

export const CSRF_FIELD = '_csrf';

/**
 * Signed-in pages only: no valid session cookie → the sign-in page (remembering where the operator
 * was going); every POST must carry this session's CSRF token and, when the browser sends one, a
 * same-origin `Origin`.
 */
export function requireSession(api: Hono<AppEnv>): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const session = await currentSession(c);
    if (!session) {
      const url = new URL(c.req.url);
      const next = c.req.method === 'GET' ? `?next=${encodeURIComponent(url.pathname + url.search)}` : '';
      return c.redirect(`/admin/login${next}`, 303);
    }
    const csrf = await csrfToken(c.env.ADMIN_TOKEN, session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !(await validCsrf(c, csrf))) {
      return c.text('This form expired or was sent from another site. Go back, reload the page and try again.', 403);
    }
    c.set('session', session);
    c.set('csrf', csrf);
    c.set('api', new AdminClient(api, c.env, c.executionCtx));
    await next();
  };
}

/** The session the request's cookie proves, unless it was signed out (its CSRF token dies with it). */
export async function currentSession(c: Context<DashboardEnv>): Promise<Session | null> {
  const session = await verifySession(c.env.ADMIN_TOKEN, readSessionCookie(c));
  if (!session || (await isSessionRevoked(createDb(c.env.DB), session.id))) return null;
  return session;
}

/** The posted `_csrf` field matches, and `Origin` (sent by every current browser on POST) is ours. */
async function validCsrf(c: Context<DashboardEnv>, expected: string): Promise<boolean> {
  if (!sameOrigin(c)) return false;
  const body = await c.req.parseBody({ all: true });
  const sent = body[CSRF_FIELD];
  return typeof sent === 'string' && (await safeEqual(sent, expected));
}

export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  return origin === undefined || origin === new URL(c.req.url).origin;
}

/**
 * Where to go after signing in: a dashboard path only, never another site, and printable ASCII only
 * (it becomes the Location header, where CR/LF or other control characters are not allowed).
 */
export function safeNext(next: string | undefined): string {
  return next && /^[\x21-\x7e]+$/.test(next) && /^\/admin(\/[^/\\]|\/?$|\?)/.test(next) && !next.startsWith('/admin/api') ? next : '/admin';
}
