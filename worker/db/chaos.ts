import { settingOrDefault, type Env } from '../env';

/**
 * Fraction of history batch writes made to fail on purpose (CHAOS_HISTORY_FAILURE_RATE), for the
 * tests that prove no record is lost. Honoured only for requests addressed to a loopback or
 * reserved test host (wrangler dev, the workers test pool): a deployed Worker is never reached
 * under such a name, so the var set there by mistake does nothing but say so in the log.
 */
export function historyChaosRate(env: Env, requestUrl: string): number {
  const rate = settingOrDefault(env, 'CHAOS_HISTORY_FAILURE_RATE', 0);
  if (rate === 0) return 0;
  if (!isTestHost(new URL(requestUrl).hostname)) {
    console.warn(JSON.stringify({ event: 'chaos_ignored', reason: 'CHAOS_HISTORY_FAILURE_RATE is honoured only on loopback or .test hosts' }));
    return 0;
  }
  return Math.min(rate, 1);
}

function isTestHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.test') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
