// Prometheus text exposition format 0.0.4, written out: prom-client needs Node modules (process,
// cluster) that workerd does not provide, and the gateway's figures come from D1, not from counters
// in one isolate's memory.

export interface Sample {
  /** A summary's `_sum` and `_count` lines. */
  suffix?: '_sum' | '_count';
  labels?: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary';
  samples: Sample[];
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

export function exposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      lines.push(
        `${f.name}${s.suffix ?? ''}${labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : ''} ${formatValue(s.value)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
