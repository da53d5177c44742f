import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { Csrf } from './controls';
import type { DashboardContext } from './guard';

export type NavItem = 'overview' | 'experts' | 'policies' | 'routes' | 'keys' | 'spend' | 'router';

const NAV: { id: NavItem; href: string; label: string }[] = [
  { id: 'overview', href: '/admin', label: 'Overview' },
  { id: 'experts', href: '/admin/experts', label: 'Experts' },
  { id: 'policies', href: '/admin/policies', label: 'Policies' },
  { id: 'routes', href: '/admin/routes', label: 'Routing history' },
  { id: 'keys', href: '/admin/keys', label: 'API keys' },
  { id: 'spend', href: '/admin/spend', label: 'Spend' },
  { id: 'router', href: '/admin/router', label: 'Router' },
];

/** No scripts at all and styles from our own origin only; pages must not be framed or cached. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

function Document(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Conclave admin`}</title>
        <link rel="stylesheet" href="/admin/assets/dashboard.css" />
        {/* No icon: without this the browser asks for /favicon.ico, and its 404 is an error in the console. */}
        <link rel="icon" href="data:," />
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** A signed-in page: skip link, navigation, sign-out, then the page's own content in <main>. */
export function renderPage(c: DashboardContext, opts: { title: string; nav: NavItem | null; status?: 200 | 400 | 404 | 409 | 502; children: Child }) {
  const csrf = c.get('csrf');
  const page = (
    <Document title={opts.title}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/admin">
          Conclave
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((n) => (
              <li>
                <a href={n.href} aria-current={n.id === opts.nav ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <form method="post" action="/admin/logout">
          <Csrf token={csrf} />
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main id="main" tabindex={-1}>
        <h1>{opts.title}</h1>
        {opts.children}
      </main>
    </Document>
  );
  return c.html(page, opts.status ?? 200, SECURITY_HEADERS);
}

export function notFoundPage(c: DashboardContext, what: string, nav: NavItem | null) {
  return renderPage(c, {
    title: 'Not found',
    nav,
    status: 404,
    children: (
      <>
        <p class="notice bad">{what} does not exist (any more).</p>
        <p>
          <a href="/admin">Back to the overview</a>
        </p>
      </>
    ),
  });
}

/** After a change and its redirect (`?done=saved&name=x`): "Policy x saved.", when `done` is one of `said`. */
export function DoneNotice(props: { what: string; done: string | undefined; who: string | undefined; said: readonly string[] }) {
  const { done, who } = props;
  return done && who && props.said.includes(done) ? (
    <p class="notice good" role="status">
      {props.what} <strong>{who}</strong> {done}.
    </p>
  ) : null;
}

/** A page outside the session (sign-in). */
export function renderPublicPage(c: Context, opts: { title: string; status?: 200 | 401 | 403; children: Child }) {
  const page = (
    <Document title={opts.title}>
      <main id="main">
        <h1>{opts.title}</h1>
        {opts.children}
      </main>
    </Document>
  );
  return c.html(page, opts.status ?? 200, SECURITY_HEADERS);
}
