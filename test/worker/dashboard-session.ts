import { ADMIN, call } from './helpers';

// Signing in to the dashboard and posting its forms as a browser would, through the Worker's fetch handler.

export const ORIGIN = 'http://gateway.test';

export function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** What a browser would post from the page's first form: text inputs, selected options, ticked boxes, the CSRF field. */
export function formFields(html: string): URLSearchParams {
  const page = html.slice(html.indexOf('<form class="stack"'));
  const body = page.slice(0, page.indexOf('</form>'));
  const out = new URLSearchParams();
  const unescapeHtml = (v: string) =>
    v.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  for (const m of body.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (!name) continue;
    if (/type="checkbox"/.test(attrs) && !/checked=""/.test(attrs)) continue;
    out.append(name, unescapeHtml(/value="([^"]*)"/.exec(attrs)?.[1] ?? ''));
  }
  for (const m of body.matchAll(/<select [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected="">/.exec(m[2]!) ?? /<option value="([^"]*)"/.exec(m[2]!);
    out.append(m[1]!, unescapeHtml(selected?.[1] ?? ''));
  }
  for (const m of body.matchAll(/<textarea [^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) out.append(m[1]!, unescapeHtml(m[2]!));
  return out;
}

export async function signIn(token = ADMIN): Promise<Response> {
  return call('/admin/login', { method: 'POST', key: null, body: form({ token, next: '/admin/experts' }), headers: { origin: ORIGIN } });
}

export async function session(): Promise<{ cookie: string; csrf: string }> {
  const res = await signIn();
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await call('/admin/experts', { key: null, headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

export function post(
  path: string,
  s: { cookie: string; csrf?: string },
  fields: Record<string, string>,
  origin: string | null = ORIGIN,
  body?: URLSearchParams,
) {
  const headers: Record<string, string> = { cookie: s.cookie };
  if (origin) headers.origin = origin;
  return call(path, { method: 'POST', key: null, headers, body: body ?? form({ ...(s.csrf ? { _csrf: s.csrf } : {}), ...fields }) });
}
