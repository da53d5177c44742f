import { ExpertCallError } from '../../router/errors';
import type { ExpertProfile } from '../../router/types';
import { breakers as isolateBreakers, type BreakerRegistry } from '../resilience/breaker';

// Replicas: an expert served by several processes (GPU service or vLLM instances behind one model)
// lists them all (endpoint_url, then replica_urls). Each attempt goes to the replica with the fewest of
// this isolate's requests in flight among those that are up and whose circuit allows it. A replica
// that answers 503 (draining, overloaded) or refuses the connection is taken out at once; it comes back
// only after REPLICA_RECHECK_MS and a successful GET /health. Experts with one endpoint behave exactly
// as before: their breaker is the expert's own.

/** How long a replica stays out before its health is checked again. */
export const REPLICA_RECHECK_MS = 5_000;
const HEALTH_TIMEOUT_MS = 2_000;

/** Where one attempt goes: the endpoint (null: the provider's default) and its breaker's key. */
export interface Replica {
  url: string | null;
  key: string;
}

export function replicaUrls(expert: ExpertProfile): Array<string | null> {
  return expert.endpointUrl ? [expert.endpointUrl, ...(expert.replicaUrls ?? [])] : [null];
}

/** Whether a failure says the replica is gone or refusing work, rather than that the request failed. */
export function takesReplicaOut(e: unknown): boolean {
  return e instanceof ExpertCallError && e.source === 'expert' && (e.kind === 'network' || (e.kind === 'http' && e.upstreamStatus === 503));
}

export class ReplicaBalancer {
  private readonly inFlight = new Map<string, number>();
  /** Replicas taken out, with when. */
  private readonly out = new Map<string, number>();
  private readonly checks = new Map<string, Promise<boolean>>();
  private turn = 0;

  constructor(private readonly breakers: BreakerRegistry = isolateBreakers) {}

  key(expert: ExpertProfile, url: string | null): string {
    return url === null || replicaUrls(expert).length === 1 ? expert.id : `${expert.id} ${url}`;
  }

  /** Whether any replica may take a call now, or may after a health check. */
  healthy(expert: ExpertProfile, now = Date.now()): boolean {
    return this.retryInMs(expert, now) === 0;
  }

  /** Milliseconds until one of the expert's replicas may be called again (its circuit, or the recheck of one taken out). */
  retryInMs(expert: ExpertProfile, now = Date.now()): number {
    return Math.min(
      ...replicaUrls(expert).map((url) => {
        const out = url === null ? undefined : this.out.get(url);
        return Math.max(this.breakers.retryInMs(this.key(expert, url), now), out === undefined ? 0 : REPLICA_RECHECK_MS - (now - out));
      }),
    );
  }

  /**
   * The replica for the next attempt: among those up and allowed by their circuit, one not tried yet
   * in this call when there is one (else a tried one: a retry on the replica that is up beats losing
   * the call), with the fewest calls in flight (ties in turn). Replicas out for long enough get a
   * health check: in the background while others are up, awaited when none is; when every replica
   * is out, all of them are checked at once rather than the call failing while one may be back.
   * Throws a retryable error when none can take the call.
   */
  async choose(expert: ExpertProfile, tried: ReadonlySet<string | null>, fetcher: typeof fetch, now = Date.now()): Promise<Replica> {
    const all = replicaUrls(expert);
    if (all.length === 1) return { url: all[0]!, key: this.key(expert, all[0]!) };
    const allowed = all.filter((u) => this.breakers.allows(this.key(expert, u), now)) as string[];
    let up = allowed.filter((u) => !this.out.has(u));
    const due = allowed.filter((u) => this.out.has(u) && (up.length === 0 || now - this.out.get(u)! >= REPLICA_RECHECK_MS));
    const checks = due.map((u) => this.check(u, fetcher));
    if (up.length === 0) {
      const back = await Promise.all(checks);
      up = due.filter((_, i) => back[i]);
    }
    if (up.length === 0) {
      throw new ExpertCallError(expert.id, `none of its ${all.length} replicas is up`, { kind: 'network', retryable: true });
    }
    const fresh = up.filter((u) => !tried.has(u));
    const pool = fresh.length > 0 ? fresh : up;
    const least = Math.min(...pool.map((u) => this.inFlight.get(u) ?? 0));
    const ready = pool.filter((u) => (this.inFlight.get(u) ?? 0) === least);
    const url = ready[this.turn++ % ready.length]!;
    return { url, key: this.key(expert, url) };
  }

  /** Whether a replica not tried yet in this call is up and allowed: the next attempt can go there at once. */
  untriedUp(expert: ExpertProfile, tried: ReadonlySet<string | null>, now = Date.now()): boolean {
    return replicaUrls(expert).some((u) => u !== null && !tried.has(u) && !this.out.has(u) && this.breakers.allows(this.key(expert, u), now));
  }

  begin(url: string | null): void {
    if (url !== null) this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
  }

  end(url: string | null): void {
    if (url !== null) this.inFlight.set(url, Math.max(0, (this.inFlight.get(url) ?? 0) - 1));
  }

  takeOut(url: string | null, now = Date.now()): void {
    if (url !== null) this.out.set(url, now);
  }

  /** GET /health at the replica's origin (the GPU service, vLLM and TGI all answer it); one check at a time. */
  private check(url: string, fetcher: typeof fetch): Promise<boolean> {
    let pending = this.checks.get(url);
    if (!pending) {
      pending = fetcher(new URL('/health', url).href, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })
        .then(async (res) => {
          await res.body?.cancel();
          return res.ok;
        })
        .catch(() => false)
        .then((ok) => {
          if (ok) this.out.delete(url);
          else this.out.set(url, Date.now());
          this.checks.delete(url);
          return ok;
        });
      this.checks.set(url, pending);
    }
    return pending;
  }
}

/** One balancer per isolate, beside its breakers. */
export const replicas = new ReplicaBalancer();
