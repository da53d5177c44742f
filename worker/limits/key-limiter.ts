import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { keySpendNow } from '../db/spend';

/**
 * One instance per API key (idFromName(keyId)): everything a key is limited by, decided in one
 * place. A Durable Object runs one event at a time, so admitting a request is atomic across every
 * isolate: the requests-per-minute window, and the spend budgets with each admitted request's
 * estimated cost reserved until it settles with its real cost. N concurrent requests therefore
 * overshoot a budget by at most one request's estimate.
 *
 * Spend is kept in the object's own storage (the source of truth for budgets; the request path
 * never reads D1). A key's object seeds it once from the routes D1 already holds for the key.
 */

export interface AdmitRequest {
  keyId: string;
  rpmLimit: number | null;
  dailyBudgetUsd: number | null;
  monthlyBudgetUsd: number | null;
  /** The request's estimated cost, reserved against the budgets until `settle`. */
  estimateUsd: number;
}

/** The requests-per-minute window after this request. */
export interface RateWindow {
  limit: number;
  remaining: number;
  /** Until the oldest request in the window leaves it. */
  resetMs: number;
}

export type AdmitResult =
  | { allowed: true; reservation: string | null; rate: RateWindow | null }
  | { allowed: false; limit: 'rpm'; retryAfterMs: number; rate: RateWindow }
  | { allowed: false; limit: 'daily_budget' | 'monthly_budget'; budgetUsd: number; spentUsd: number; reservedUsd: number };

export interface Spend {
  /** UTC day (YYYY-MM-DD) and month (YYYY-MM) the totals are for. */
  day: string;
  dayUsd: number;
  month: string;
  monthUsd: number;
  /** Estimates held by requests still running. */
  reservedUsd: number;
  inFlight: number;
}

interface Reservation {
  usd: number;
  at: number;
}

interface Stored {
  day: string;
  dayUsd: number;
  month: string;
  monthUsd: number;
  reservations: Record<string, Reservation>;
}

/** A reservation never settled (its isolate died) is charged at its estimate after this long. */
export const RESERVATION_TTL_MS = 15 * 60_000;
const WINDOW_MS = 60_000;
const STORAGE_KEY = 'spend';

export class KeyLimiter extends DurableObject<Env> {
  private hits: number[] = [];
  private state: Stored | null = null;
  private loading: Promise<Stored> | null = null;

  /** Counts the request against the rpm window and reserves its estimate, or says which limit refuses it. */
  async admit(req: AdmitRequest, now = Date.now()): Promise<AdmitResult> {
    const budgeted = req.dailyBudgetUsd != null || req.monthlyBudgetUsd != null;
    const s = budgeted ? (this.state ?? (await this.load(req.keyId, now))) : null;
    // From here on nothing awaits: the decision and the reservation are one atomic step.
    const rate = req.rpmLimit ? this.window(req.rpmLimit, now) : null;
    if (rate && rate.remaining === 0) return { allowed: false, limit: 'rpm', retryAfterMs: rate.resetMs, rate };
    if (s) {
      this.roll(s, now);
      const reservedUsd = reservedOf(s);
      if (req.dailyBudgetUsd != null && s.dayUsd + reservedUsd >= req.dailyBudgetUsd) {
        return { allowed: false, limit: 'daily_budget', budgetUsd: req.dailyBudgetUsd, spentUsd: s.dayUsd, reservedUsd };
      }
      if (req.monthlyBudgetUsd != null && s.monthUsd + reservedUsd >= req.monthlyBudgetUsd) {
        return { allowed: false, limit: 'monthly_budget', budgetUsd: req.monthlyBudgetUsd, spentUsd: s.monthUsd, reservedUsd };
      }
    }
    if (rate) {
      this.hits.push(now);
      rate.remaining--;
      rate.resetMs = this.hits[0]! + WINDOW_MS - now;
    }
    let reservation: string | null = null;
    if (s) {
      reservation = crypto.randomUUID();
      s.reservations[reservation] = { usd: Math.max(0, req.estimateUsd), at: now };
      this.save(s);
    }
    return { allowed: true, reservation, rate };
  }

  /** Raises a reservation to a larger estimate: a request admitted before its plan was known. */
  async reserve(reservation: string, usd: number): Promise<void> {
    const s = this.state ?? (await this.ctx.storage.get<Stored>(STORAGE_KEY));
    const r = s?.reservations[reservation];
    if (!s || !r) return;
    this.state = s;
    r.usd = Math.max(r.usd, usd);
    this.save(s);
  }

  /** Replaces a reservation by the request's real cost. Unknown (expired) reservations were charged already. */
  async settle(reservation: string, costUsd: number, now = Date.now()): Promise<void> {
    const s = this.state ?? (await this.ctx.storage.get<Stored>(STORAGE_KEY));
    if (!s || !(reservation in s.reservations)) return;
    this.state = s;
    delete s.reservations[reservation];
    this.roll(s, now);
    charge(s, costUsd);
    this.save(s);
  }

  /** Spend so far today and this month, and what requests in flight hold. */
  async spend(keyId: string, now = Date.now()): Promise<Spend> {
    const s = await this.load(keyId, now);
    this.roll(s, now);
    return { day: s.day, dayUsd: s.dayUsd, month: s.month, monthUsd: s.monthUsd, reservedUsd: reservedOf(s), inFlight: Object.keys(s.reservations).length };
  }

  /** The window after dropping requests older than a minute. */
  private window(limit: number, now: number): RateWindow {
    let drop = 0;
    while (drop < this.hits.length && this.hits[drop]! <= now - WINDOW_MS) drop++;
    if (drop) this.hits.splice(0, drop);
    return { limit, remaining: Math.max(0, limit - this.hits.length), resetMs: this.hits.length ? this.hits[0]! + WINDOW_MS - now : 0 };
  }

  /** Stored spend, or (first use of this key) the spend D1's history already holds for it. */
  private load(keyId: string, now: number): Promise<Stored> {
    if (this.state) return Promise.resolve(this.state);
    this.loading ??= (async () => {
      const stored = await this.ctx.storage.get<Stored>(STORAGE_KEY);
      if (stored) return (this.state ??= stored);
      const { day, month } = periods(now);
      const spent = (await keySpendNow(this.env.DB, new Date(now), keyId)).get(keyId) ?? { todayUsd: 0, monthUsd: 0 };
      const seeded: Stored = { day, dayUsd: spent.todayUsd, month, monthUsd: spent.monthUsd, reservations: {} };
      this.state ??= seeded;
      this.save(this.state);
      return this.state;
    })().finally(() => (this.loading = null));
    return this.loading;
  }

  /** Starts a new day / month at UTC midnight; charges reservations that outlived RESERVATION_TTL_MS. */
  private roll(s: Stored, now: number): void {
    const { day, month } = periods(now);
    if (s.month !== month) Object.assign(s, { month, monthUsd: 0 });
    if (s.day !== day) Object.assign(s, { day, dayUsd: 0 });
    for (const [id, r] of Object.entries(s.reservations)) {
      if (now - r.at < RESERVATION_TTL_MS) continue;
      delete s.reservations[id];
      charge(s, r.usd);
    }
  }

  /** Not awaited: the output gate holds every reply until the write is durable. */
  private save(s: Stored): void {
    void this.ctx.storage.put(STORAGE_KEY, s);
  }
}

function periods(now: number): { day: string; month: string } {
  const iso = new Date(now).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

function reservedOf(s: Stored): number {
  return Object.values(s.reservations).reduce((sum, r) => sum + r.usd, 0);
}

function charge(s: Stored, usd: number): void {
  s.dayUsd += usd;
  s.monthUsd += usd;
}
