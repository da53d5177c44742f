import { expect } from 'vitest';
import { call } from './helpers';

const SAMPLE = /^([a-z_:][a-z0-9_:]*)(\{([a-z_]+="(?:[^"\\]|\\.)*"(,[a-z_]+="(?:[^"\\]|\\.)*")*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;

/** Prometheus text as `name{labels}` → value, failing on any line that is not the exposition format. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    expect(m, `not an exposition line: ${line}`).not.toBeNull();
    out.set(`${m![1]}${m![2] ?? ''}`, Number(m![5]));
  }
  return out;
}

/** GET /admin/api/metrics, parsed. */
export async function scrape(over: Parameters<typeof call>[1] = {}): Promise<Map<string, number>> {
  const res = await call('/admin/api/metrics', { admin: true, ...over });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const text = await res.text();
  expect(text).toContain('# TYPE conclave_routes_total counter');
  return parseExposition(text);
}

/** The policy labels a scrape carries. */
export const policyLabels = (m: Map<string, number>) => new Set([...m.keys()].flatMap((k) => /[{,]policy="([^"]*)"/.exec(k)?.[1] ?? []));
