/**
 * A circuit breaker per expert, per isolate. It opens when, over the last WINDOW_MS (to a sixtieth
 * of it), at least MIN_CALLS calls were made and FAILURE_RATE of them failed; after COOLDOWN_MS one
 * probe call is let through (half-open): success closes it, failure opens it again, and a probe
 * that ends without a verdict (cancelled) frees the slot for the next call. Routing asks `allows`
 * and never chooses an expert whose circuit is open.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerConfig {
  windowMs: number;
  minCalls: number;
  failureRate: number;
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { windowMs: 60_000, minCalls: 5, failureRate: 0.5, cooldownMs: 30_000 };

/**
 * The window is kept as counts per slice of it, not as a list of calls: a circuit's memory and the
 * work of recording a call stay the same whatever the traffic (a list grew by every call of the
 * last minute and was filtered on each one).
 */
const SLICES = 60;

interface Slice {
  /** Which slice of time (now / slice length) these counts are for. */
  epoch: number;
  calls: number;
  failures: number;
}

interface Circuit {
  slices: Slice[];
  state: CircuitState;
  openedAt: number;
  probing: boolean;
}

export class BreakerRegistry {
  private readonly circuits = new Map<string, Circuit>();
  constructor(private readonly config: BreakerConfig = DEFAULT_BREAKER) {}

  private circuit(id: string): Circuit {
    let c = this.circuits.get(id);
    if (!c) this.circuits.set(id, (c = { slices: emptySlices(), state: 'closed', openedAt: 0, probing: false }));
    return c;
  }

  state(id: string, now = Date.now()): CircuitState {
    const c = this.circuits.get(id);
    if (!c) return 'closed';
    if (c.state === 'open' && now - c.openedAt >= this.config.cooldownMs) c.state = 'half-open';
    return c.state;
  }

  /** Whether a call may go to this expert now; in half-open, only one probe at a time. */
  allows(id: string, now = Date.now()): boolean {
    return this.retryInMs(id, now) === 0;
  }

  /** Milliseconds until this circuit lets a call through: 0 when it does now; a probe in flight counts as a second. */
  retryInMs(id: string, now = Date.now()): number {
    const state = this.state(id, now);
    if (state === 'closed') return 0;
    if (state === 'half-open') return this.circuit(id).probing ? 1_000 : 0;
    return Math.max(0, this.config.cooldownMs - (now - this.circuit(id).openedAt));
  }

  /** Marks the start of a call; a half-open circuit lets exactly this one through. True when it is that probe. */
  begin(id: string, now = Date.now()): boolean {
    if (this.state(id, now) !== 'half-open') return false;
    this.circuit(id).probing = true;
    return true;
  }

  /** A probe ended: if nothing recorded a verdict (it was cancelled), the next call may probe. */
  release(id: string): void {
    const c = this.circuits.get(id);
    if (c) c.probing = false;
  }

  record(id: string, ok: boolean, now = Date.now()): void {
    const c = this.circuit(id);
    const wasHalfOpen = this.state(id, now) === 'half-open';
    c.probing = false;
    const sliceMs = this.config.windowMs / SLICES;
    const epoch = Math.floor(now / sliceMs);
    const slice = c.slices[epoch % SLICES]!;
    if (slice.epoch !== epoch) Object.assign(slice, { epoch, calls: 0, failures: 0 });
    slice.calls++;
    if (!ok) slice.failures++;
    if (wasHalfOpen) {
      if (ok) this.close(c);
      else this.open(c, now);
      return;
    }
    if (c.state !== 'closed') return;
    let calls = 0;
    let failures = 0;
    const expired = epoch - SLICES;
    for (let i = 0; i < SLICES; i++) {
      const s = c.slices[i]!;
      if (s.epoch <= expired) continue;
      calls += s.calls;
      failures += s.failures;
    }
    if (calls >= this.config.minCalls && failures / calls >= this.config.failureRate) this.open(c, now);
  }

  snapshot(now = Date.now()): Record<string, CircuitState> {
    return Object.fromEntries([...this.circuits.keys()].map((id) => [id, this.state(id, now)]));
  }

  private open(c: Circuit, now: number): void {
    c.state = 'open';
    c.openedAt = now;
  }

  private close(c: Circuit): void {
    c.state = 'closed';
    c.slices = emptySlices();
  }
}

function emptySlices(): Slice[] {
  return Array.from({ length: SLICES }, () => ({ epoch: Number.NEGATIVE_INFINITY, calls: 0, failures: 0 }));
}

/** The isolate's breakers, shared by all requests it serves. */
export const breakers = new BreakerRegistry();

export function breakerStates(): Record<string, CircuitState> {
  return breakers.snapshot();
}
