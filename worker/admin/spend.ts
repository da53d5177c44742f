import { Hono } from 'hono';
import { z } from 'zod';
import { InvalidRequestError } from '../../router/errors';
import { createDb } from '../db/client';
import { listKeys } from '../db/keys';
import { dayStartMs, spend, type SpendDimension } from '../db/spend';
import type { AppEnv } from '../env';
import { parseWith } from '../http/validation';

const DAY_MS = 86_400_000;
/** Day rows stay a page: at most a year of days, or ten years of months. */
const MAX_DAYS = { day: 366, month: 3_660 } as const;

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC date, YYYY-MM-DD')
  .refine((d) => Number.isFinite(dayStartMs(d)), 'not a real date');

export const spendQuery = z
  .object({
    by: z.enum(['key', 'policy', 'expert']).default('key'),
    period: z.enum(['day', 'month']).default('day'),
    since: date.optional(),
    until: date.optional(),
    key: z.string().max(64).optional(),
    policy: z.string().max(128).optional(),
    expert: z.string().max(128).optional(),
  })
  .strict();

export type SpendParams = z.infer<typeof spendQuery>;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The window a query names, or its default: the last 30 days, or the last 12 months to date. */
export function spendWindow(q: Pick<SpendParams, 'period' | 'since' | 'until'>, now = Date.now()): { since: string; until: string } {
  const until = q.until ?? isoDay(now);
  const end = new Date(dayStartMs(until));
  const since = q.since ?? (q.period === 'day' ? isoDay(dayStartMs(until) - 29 * DAY_MS) : isoDay(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 11, 1)));
  const days = (dayStartMs(until) - dayStartMs(since)) / DAY_MS + 1;
  if (days < 1) throw new InvalidRequestError('since is after until', 'invalid_window', 'since');
  if (days > MAX_DAYS[q.period]) throw new InvalidRequestError(`at most ${MAX_DAYS[q.period]} days per ${q.period} query`, 'invalid_window', 'since');
  return { since, until };
}

export interface SpendLine {
  period?: string;
  key?: string | null;
  name?: string;
  policy?: string;
  expert?: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

export const adminSpend = new Hono<AppEnv>();

/**
 * Spend per key, policy or expert, per UTC day or month, with totals per group over the window.
 * `requests` counts routes for keys and policies, and calls (every role) for experts.
 */
adminSpend.get('/', async (c) => {
  const q = parseWith(spendQuery, c.req.query(), 'query');
  const wrongFilter = (['key', 'policy', 'expert'] as const).find((d) => d !== q.by && q[d] !== undefined);
  if (wrongFilter) throw new InvalidRequestError(`the ${wrongFilter} filter applies to by=${wrongFilter} only`, 'invalid_filter', wrongFilter);
  const window = spendWindow(q);
  const only = q[q.by];
  const [rows, keys] = await Promise.all([
    spend(c.env.DB, { by: q.by, period: q.period, ...window, only: q.by === 'key' && only === 'dev' ? '' : only }),
    q.by === 'key' ? listKeys(createDb(c.env.DB)) : Promise.resolve([]),
  ]);
  const names = new Map(keys.map((k) => [k.id, k.name]));
  const groupOf = (dim: SpendDimension, group: string): Partial<SpendLine> =>
    dim === 'key' ? { key: group || null, name: group ? (names.get(group) ?? group) : 'dev key' } : { [dim]: group };
  const totals = new Map<string, SpendLine>();
  const data = rows.map((r) => {
    const figures = { requests: r.requests, errors: r.errors, prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, cost_usd: r.costUsd };
    const t = totals.get(r.group) ?? { ...groupOf(q.by, r.group), requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 };
    for (const k of ['requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cost_usd'] as const) t[k] += figures[k];
    totals.set(r.group, t);
    return { period: r.period, ...groupOf(q.by, r.group), ...figures };
  });
  const byCost = [...totals.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests);
  return c.json({ by: q.by, period: q.period, ...window, total_cost_usd: byCost.reduce((s, t) => s + t.cost_usd, 0), totals: byCost, data });
});
