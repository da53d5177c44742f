import { MAX_DEADLINE_MS } from '../../router/policy';
import { pendingRouteWrite } from './batcher';
import { routeIdTime } from './route-id';

/** How long after its answer a route may still be on its way to D1 (the writer's retries included). */
export const FRESH_ROUTE_MS = 15_000;
/**
 * How long after its id was made a route's record may still be on its way. The id is made when the
 * request arrives and handed out at once (header, stream chunks), the record written when the route
 * is over: a long stream, or one its client cancelled after a while, ends well after its id. A
 * route is allowed the longest deadline a policy may set to be over.
 */
export const ROUTE_RECORD_DUE_MS = MAX_DEADLINE_MS + FRESH_ROUTE_MS;
const POLL_MS = [50, 100, 200, 400, 800, 1_600];

/**
 * Looks a route up by id, allowing for its record being written after the response: a client that
 * rates or fetches a route the moment it is answered would otherwise get a 404 for a route that
 * exists. It waits for this isolate's pending write of the route, then, for a route made within
 * ROUTE_RECORD_DUE_MS (another isolate may hold its write), looks again a few times with backoff.
 * Malformed ids and ids made before that cost one lookup.
 */
export async function findFreshRoute<T>(routeId: string, find: () => Promise<T | undefined>, now = Date.now()): Promise<T | undefined> {
  const pending = pendingRouteWrite(routeId);
  if (pending) await pending.catch(() => undefined);
  let found = await find();
  const made = routeIdTime(routeId);
  if (found !== undefined || made === null || Math.abs(now - made) > ROUTE_RECORD_DUE_MS) return found;
  for (const ms of POLL_MS) {
    await new Promise((r) => setTimeout(r, ms));
    found = await find();
    if (found !== undefined) break;
  }
  return found;
}
