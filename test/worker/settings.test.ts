import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { createDb } from '../../worker/db/client';
import { insertRouteRecord } from '../../worker/db/history-write';
import { rollUpAndPrune } from '../../worker/history/retention';
import { banditIntervalMs, cacheTtlMs, consensusAfterMs, exportBatchMs, exportBatchSize } from '../../worker/env';
import { responseCacheTtlS } from '../../worker/gateway/response-cache';
import { runScheduled } from '../../worker/scheduled';
import { routeRecord } from './helpers';

// Numeric vars are strings an operator types: a typo must be reported naming the var and its value,
// never turn silently into the default, NaN or another number. Retention deletes, so a value it
// cannot trust prunes nothing rather than falling back to a default that may prune too much.

const DAY = 86_400_000;
const count = async () => (await env.DB.prepare('select count(*) as n from routes').first<{ n: number }>())!.n;

/** Runs `read` with console.error captured; returns what it returned and the lines logged. */
function logged<T>(read: () => T): { value: T; lines: string[] } {
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return { value: read(), lines: error.mock.calls.map(([line]) => String(line)) };
  } finally {
    error.mockRestore();
  }
}

describe('numeric settings', () => {
  it('a malformed value is logged with its name and value, and the documented default is used', () => {
    const cases: [string, string, () => number, number][] = [
      ['CACHE_TTL_MS', '5s', () => cacheTtlMs({ ...env, CACHE_TTL_MS: '5s' }), 5_000],
      ['BANDIT_LEARN_INTERVAL_MS', '-1', () => banditIntervalMs({ ...env, BANDIT_LEARN_INTERVAL_MS: '-1' }), 10_000],
      ['CONSENSUS_AFTER_MINUTES', '1h', () => consensusAfterMs({ ...env, CONSENSUS_AFTER_MINUTES: '1h' }), 60 * 60_000],
      ['EXPORT_BATCH_MS', 'Infinity', () => exportBatchMs({ ...env, EXPORT_BATCH_MS: 'Infinity' }), 1_000],
      ['EXPORT_BATCH_SIZE', '0', () => exportBatchSize({ ...env, EXPORT_BATCH_SIZE: '0' }), 100],
      ['EXPORT_BATCH_SIZE', '2.5', () => exportBatchSize({ ...env, EXPORT_BATCH_SIZE: '2.5' }), 100],
      ['RESPONSE_CACHE_TTL_S', 'an hour', () => responseCacheTtlS({ ...env, RESPONSE_CACHE_TTL_S: 'an hour' }), 3_600],
      // Cache-Control's max-age is whole seconds.
      ['RESPONSE_CACHE_TTL_S', '1.5', () => responseCacheTtlS({ ...env, RESPONSE_CACHE_TTL_S: '1.5' }), 3_600],
    ];
    for (const [name, raw, read, fallback] of cases) {
      const { value, lines } = logged(read);
      expect(value, `${name}=${raw}`).toBe(fallback);
      expect(lines.join('\n'), `${name}=${raw}`).toContain(name);
      expect(lines.join('\n'), `${name}=${raw}`).toContain(`'${raw}'`);
    }
  });

  it('an empty value is unset (the default), not 0', () => {
    expect(responseCacheTtlS({ ...env, RESPONSE_CACHE_TTL_S: '' })).toBe(3_600);
    expect(cacheTtlMs({ ...env, CACHE_TTL_MS: '' })).toBe(5_000);
  });

  it('well-formed values are read as given', () => {
    expect(logged(() => cacheTtlMs({ ...env, CACHE_TTL_MS: '250' }))).toEqual({ value: 250, lines: [] });
    expect(logged(() => exportBatchSize({ ...env, EXPORT_BATCH_SIZE: '7' }))).toEqual({ value: 7, lines: [] });
    expect(logged(() => responseCacheTtlS({ ...env, RESPONSE_CACHE_TTL_S: '0' }))).toEqual({ value: 0, lines: [] });
    expect(logged(() => consensusAfterMs({ ...env, CONSENSUS_AFTER_MINUTES: '0.5' }))).toEqual({ value: 30_000, lines: [] });
  });
});

describe('RETENTION_DAYS', () => {
  it('a malformed, zero or negative value prunes no route, and the cron log names the var and value', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const db = createDb(env.DB);
    await insertRouteRecord(db, routeRecord({ id: 'rt_old', createdAt: now - 400 * DAY }));
    await insertRouteRecord(db, routeRecord({ id: 'rt_new', createdAt: now - DAY }));
    for (const raw of ['0', '-5', 'abc', '30d', ' ', '1e9', '0.5']) {
      const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const report = await runScheduled({ ...env, RETENTION_DAYS: raw }, now);
      const lines = error.mock.calls.map(([line]) => String(line)).join('\n');
      error.mockRestore();
      log.mockRestore();
      expect(report.pruned, raw).toBeNull();
      expect(await count(), raw).toBe(2);
      expect(lines, raw).toContain('RETENTION_DAYS');
      expect(lines, raw).toContain(`'${raw}'`);
    }
    // The job itself refuses a cutoff that would reach today's routes, whoever calls it.
    for (const days of [0, -1, 0.5, Number.NaN]) await expect(rollUpAndPrune(env.DB, days, now), String(days)).rejects.toThrow(/at least 1 day/);
    expect(await count()).toBe(2);
  });

  it('unset or empty is the documented 30 days', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const db = createDb(env.DB);
    await insertRouteRecord(db, routeRecord({ id: 'rt_old', createdAt: now - 31 * DAY }));
    await insertRouteRecord(db, routeRecord({ id: 'rt_new', createdAt: now - 29 * DAY }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await runScheduled({ ...env, RETENTION_DAYS: '' }, now)).toMatchObject({ pruned: 1 });
    expect(await runScheduled({ ...env, RETENTION_DAYS: '28' }, now)).toMatchObject({ pruned: 1 });
    log.mockRestore();
    expect(await count()).toBe(0);
  });
});
