// How figures read on the dashboard: one place, so a cost or a latency looks the same on every page.

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n === 0) return '$0';
  return n < 0.01 ? `$${n.toFixed(6)}` : `$${n.toFixed(n < 10 ? 4 : 2)}`;
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n >= 10_000) return `${(n / 1000).toFixed(1)} s`;
  // A replayed or cached answer takes well under a millisecond: "0 ms" would read as not measured.
  return n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`;
}

export function pct(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : `${(n * 100).toFixed(n < 0.1 && n > 0 ? 1 : 0)}%`;
}

/** UTC, to the second: operators compare it with logs, which are in UTC. */
export function utc(at: number | string): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

export function price(n: number): string {
  return `$${Number(n.toFixed(4))}`;
}

/** A chart axis tick: three significant digits, no trailing zeros (0.05, 0.15, 12.5, 250). */
export function axisNumber(n: number): string {
  return String(Number(n.toPrecision(3)));
}

/** "1 rating", "2 ratings". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  return n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`;
}

/** A routing candidate's score, to six decimals without trailing zeros. */
export function score(n: number): string {
  return String(Number(n.toFixed(6)));
}

/** What a routing candidate's score is made of: "similarity 0.8 · cost 0.1". */
export function scoreParts(detail: Record<string, number | string> | undefined): string {
  return detail
    ? Object.entries(detail)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')
    : '';
}
