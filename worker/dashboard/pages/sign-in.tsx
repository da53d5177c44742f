import { Hono } from 'hono';
import { safeEqual } from '../../http/auth';
import { createDb } from '../../db/client';
import { revokeSession } from '../../db/sessions';
import { currentSession, safeNext, sameOrigin, type DashboardContext, type DashboardEnv } from '../guard';
import { Field } from '../controls';
import { renderPublicPage } from '../layout';
import { clearSessionCookie, issueSession, setSessionCookie } from '../session';

function SignInForm(props: { next: string; error?: string }) {
  return (
    <form class="stack" method="post" action="/admin/login">
      <input type="hidden" name="next" value={props.next} />
      <Field
        name="token"
        label="Admin token"
        hint="The ADMIN_TOKEN secret of this gateway."
        error={props.error}
        render={(a) => <input {...a} type="password" autocomplete="current-password" required autofocus />}
      />
      <div>
        <button class="primary" type="submit">
          Sign in
        </button>
      </div>
    </form>
  );
}

function signInPage(c: DashboardContext, next: string, opts: { error?: string; status?: 200 | 401 | 403; notice?: string } = {}) {
  return renderPublicPage(c, {
    title: 'Sign in to Conclave',
    status: opts.status ?? 200,
    children: (
      <>
        {opts.notice ? (
          <p class="notice good" role="status">
            {opts.notice}
          </p>
        ) : null}
        <SignInForm next={next} {...(opts.error ? { error: opts.error } : {})} />
      </>
    ),
  });
}

export const signInPages = new Hono<DashboardEnv>();

signInPages.get('/login', async (c) => {
  const next = safeNext(c.req.query('next'));
  if (await currentSession(c)) return c.redirect(next, 303);
  return signInPage(c, next, c.req.query('signed_out') !== undefined ? { notice: 'You are signed out.' } : {});
});

signInPages.post('/login', async (c) => {
  const body = await c.req.parseBody({ all: true });
  const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
  if (!sameOrigin(c)) return signInPage(c, next, { status: 403, error: 'Sign-in must come from this site.' });
  const token = typeof body.token === 'string' ? body.token : '';
  if (!c.env.ADMIN_TOKEN || !token || !(await safeEqual(token, c.env.ADMIN_TOKEN))) {
    return signInPage(c, next, { status: 401, error: token ? 'That is not the admin token.' : 'Enter the admin token.' });
  }
  const { cookie } = await issueSession(c.env.ADMIN_TOKEN);
  setSessionCookie(c, cookie);
  return c.redirect(next, 303);
});

/** Mounted behind the session guard, so it needs a valid session and CSRF token like any write. */
export const signOutPage = new Hono<DashboardEnv>();

signOutPage.post('/', async (c) => {
  // Server-side too: a copy of the cookie (and its CSRF token) must not outlive the sign-out.
  const session = c.get('session');
  await revokeSession(createDb(c.env.DB), session.id, session.expiresAt);
  clearSessionCookie(c);
  return c.redirect('/admin/login?signed_out', 303);
});
