import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

// The dashboard's sign-in session: a cookie `<sid>.<expiry>.<mac>` signed with HMAC-SHA256 under a
// key derived (HKDF) from ADMIN_TOKEN, so rotating the token signs every operator out. The only
// session state kept is the ids of sessions signed out before they expired (D1 `revoked_sessions`,
// checked by the guard), so a copied cookie dies with the sign-out. The CSRF token is a second MAC
// over the session id: it needs no storage, and a leaked page cannot be replayed under another session.

export const SESSION_COOKIE = 'conclave_admin';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const COOKIE_PATH = '/admin';

export interface Session {
  id: string;
  expiresAt: number;
}

const encoder = new TextEncoder();
/** One derived key per ADMIN_TOKEN value; deriving costs a few Web Crypto calls per request otherwise. */
const keys = new Map<string, Promise<CryptoKey>>();

function sessionKey(adminToken: string): Promise<CryptoKey> {
  let key = keys.get(adminToken);
  if (!key) {
    key = crypto.subtle
      .importKey('raw', encoder.encode(adminToken), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('conclave-dashboard'), info: encoder.encode('session-mac-v1') },
          base,
          { name: 'HMAC', hash: 'SHA-256', length: 256 },
          false,
          ['sign', 'verify'],
        ),
      );
    keys.clear();
    keys.set(adminToken, key);
  }
  return key;
}

async function mac(adminToken: string, message: string): Promise<string> {
  const sig = await crypto.subtle.sign('HMAC', await sessionKey(adminToken), encoder.encode(message));
  return base64url(new Uint8Array(sig));
}

/** A new session cookie value and the session it stands for. */
export async function issueSession(adminToken: string, now = Date.now()): Promise<{ cookie: string; session: Session }> {
  const id = base64url(crypto.getRandomValues(new Uint8Array(18)));
  const expiresAt = now + SESSION_TTL_MS;
  const body = `${id}.${expiresAt}`;
  return { cookie: `${body}.${await mac(adminToken, body)}`, session: { id, expiresAt } };
}

/** The session a cookie value proves, or null when it is malformed, forged or expired. */
export async function verifySession(adminToken: string, cookie: string | undefined, now = Date.now()): Promise<Session | null> {
  const m = /^([A-Za-z0-9_-]{24})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
  if (!m || !adminToken) return null;
  const [, id, exp, sig] = m as unknown as [string, string, string, string];
  // verify() compares in constant time.
  const ok = await crypto.subtle.verify('HMAC', await sessionKey(adminToken), fromBase64url(sig), encoder.encode(`${id}.${exp}`));
  const expiresAt = Number(exp);
  return ok && expiresAt > now ? { id, expiresAt } : null;
}

/** The token every form of this session carries in `_csrf`. */
export function csrfToken(adminToken: string, session: Session): Promise<string> {
  return mac(adminToken, `csrf:${session.id}`);
}

/** Secure everywhere but plain-HTTP local development, where a Secure cookie would not be sent back. */
function isLocalHost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE, value, {
    path: COOKIE_PATH,
    httpOnly: true,
    secure: !isLocalHost(c.req.url),
    sameSite: 'Strict',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, httpOnly: true, secure: !isLocalHost(c.req.url), sameSite: 'Strict' });
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function fromBase64url(s: string): Uint8Array {
  const bin = atob(s.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}
