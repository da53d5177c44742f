import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { DASHBOARD_CSS } from './assets';
import { requireSession, type DashboardEnv } from './guard';
import { activationPages } from './pages/activation';
import { expertTestPages } from './pages/expert-test';
import { expertPages } from './pages/experts';
import { historyPages } from './pages/history';
import { keyPages } from './pages/keys';
import { notFoundPage } from './layout';
import { overviewPage } from './pages/overview';
import { policyPages } from './pages/policies';
import { routerPages } from './pages/router';
import { signInPages, signOutPage } from './pages/sign-in';
import { spendPage } from './pages/spend';

/**
 * The operators' web dashboard, mounted at /admin next to the JSON API at /admin/api (which it calls
 * in-process). Guards are attached per section rather than to `*`, so they never see /admin/api.
 */
export function dashboard(api: Hono<AppEnv>): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();
  const session = requireSession(api);
  app.get('/assets/dashboard.css', (c) => c.body(DASHBOARD_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }));
  app.route('/', signInPages);
  for (const section of ['/logout', '/experts', '/policies', '/routes', '/keys', '/spend', '/router']) app.use(section, session).use(`${section}/*`, session);
  app.get('/', session, overviewPage);
  app.route('/logout', signOutPage);
  app.route('/experts', expertPages);
  app.route('/experts', expertTestPages);
  app.route('/experts', activationPages);
  app.route('/policies', policyPages);
  app.route('/routes', historyPages);
  app.route('/router', routerPages);
  app.route('/keys', keyPages);
  app.get('/spend', spendPage);
  // Any other dashboard path is a page that does not exist: said inside the layout, after sign-in.
  // /admin/api/* is the JSON API's, whose own 404 is JSON.
  app.all('*', async (c, next) => {
    if (c.req.path.startsWith('/admin/api/')) return next();
    let page: Response | undefined;
    const signIn = await session(c, async () => void (page = await notFoundPage(c, `The page ${c.req.path}`, null)));
    return signIn ?? page;
  });
  return app;
}
