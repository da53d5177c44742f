import type { RouteRecord } from '../history/record';
import { routeRecordJson } from './record-json';
import { hex } from '../../router/hex';

// The webhook sink's request: `{"type": "routes.finished", "data": [route, …]}`, signed when a secret
// is set: `x-conclave-signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the timestamp in
// `x-conclave-timestamp` (seconds), so a receiver can check origin and refuse replays.

export async function webhookRequest(
  routes: readonly RouteRecord[],
  secret: string | undefined,
  now = Date.now(),
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify({ type: 'routes.finished', data: routes.map(routeRecordJson) });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'conclave-gateway' };
  if (secret) {
    const timestamp = String(Math.floor(now / 1000));
    headers['x-conclave-timestamp'] = timestamp;
    headers['x-conclave-signature'] = `v1=${await hmacHex(secret, `${timestamp}.${body}`)}`;
  }
  return { body, headers };
}

export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)));
  return hex(mac);
}
