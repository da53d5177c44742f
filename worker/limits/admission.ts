import { BudgetError, RateLimitError } from '../../router/errors';
import type { ApiKeyRow } from '../db/keys';
import type { Env } from '../env';
import type { RateWindow } from './key-limiter';

/**
 * A request's admission against its key's limits, in the key's Durable Object: `admit` (the
 * pipeline's hook, once the plan is known and before any expert is called) counts the request and
 * reserves its estimated cost (a second call, after an admission before the plan was known, raises
 * the reservation to the plan's estimate); `settle` replaces the reservation with the real cost once the route
 * is done. Keys without limits (and the dev key) cost no round trip.
 */
export class KeyAdmission {
  private reservation: string | null = null;
  private admitted = false;
  /** The rpm window after this request, when the key has one. */
  rate: RateWindow | null = null;

  constructor(
    private readonly env: Env,
    private readonly key: ApiKeyRow | null,
  ) {}

  readonly admit = async (estimateUsd: number): Promise<void> => {
    const key = this.key;
    if (!key || (!key.rpmLimit && key.dailyBudgetUsd == null && key.monthlyBudgetUsd == null)) return;
    if (this.admitted) {
      // Admitted before its plan was known (a strategy's own calls): the plan's estimate joins the reservation.
      if (this.reservation) await this.limiter(key.id).reserve(this.reservation, estimateUsd);
      return;
    }
    const r = await this.limiter(key.id).admit({
      keyId: key.id,
      rpmLimit: key.rpmLimit,
      dailyBudgetUsd: key.dailyBudgetUsd,
      monthlyBudgetUsd: key.monthlyBudgetUsd,
      estimateUsd,
    });
    if (r.allowed) {
      this.admitted = true;
      this.reservation = r.reservation;
      this.rate = r.rate;
      return;
    }
    if (r.limit === 'rpm') throw new RateLimitError(`rate limit of ${key.rpmLimit} requests per minute reached for key '${key.name}'`, r.retryAfterMs, r.rate);
    const period = r.limit === 'daily_budget' ? 'daily' : 'monthly';
    const held = r.reservedUsd > 0 ? `, $${r.reservedUsd.toFixed(6)} held by requests in flight` : '';
    throw new BudgetError(
      `${period} budget of $${r.budgetUsd} for key '${key.name}' is used up ($${r.spentUsd.toFixed(6)} spent ${period === 'daily' ? 'today' : 'this month'}${held})`,
    );
  };

  /** Settles the reservation with what the request really cost (for waitUntil); null when nothing was reserved. */
  settle(costUsd: number): Promise<void> | null {
    const reservation = this.reservation;
    if (!reservation || !this.key) return null;
    this.reservation = null;
    return this.limiter(this.key.id)
      .settle(reservation, costUsd)
      .catch((e: unknown) => console.error(JSON.stringify({ event: 'budget_settle_failed', keyId: this.key?.id, reservation, costUsd, error: String(e) })));
  }

  private limiter(keyId: string) {
    return this.env.KEY_LIMITER.get(this.env.KEY_LIMITER.idFromName(keyId));
  }
}
