import { ms } from './format';

// A route's calls on one time axis, as they happened: when each started after the route did, how
// long it ran and how it ended. Hedged losers, retries and aggregator calls show where they fell.

export interface TimelineCall {
  label: string;
  status: string;
  /** After the route started. */
  startMs: number;
  durationMs: number;
}

const W = 640;
const ROW = 24;
const LABEL_W = 190;
const TAIL_W = 70;
const TOP = 20;
const COLORS: Record<string, string> = { ok: '#0a58ca', error: '#b42318', timeout: '#d9480f', cancelled: '#8c959f' };

export function Timeline(props: { id: string; calls: TimelineCall[]; totalMs: number }) {
  const end = Math.max(props.totalMs, ...props.calls.map((c) => c.startMs + c.durationMs), 1);
  const plotW = W - LABEL_W - TAIL_W;
  const x = (t: number) => LABEL_W + (plotW * t) / end;
  const height = TOP + props.calls.length * ROW + 6;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * end);
  return (
    <svg class="chart timeline" viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={`${props.id}-t ${props.id}-d`}>
      <title id={`${props.id}-t`}>Time line of the calls</title>
      <desc id={`${props.id}-d`}>{props.calls.map((c) => `${c.label}: started after ${ms(c.startMs)}, ${c.status} after ${ms(c.durationMs)}`).join('; ')}</desc>
      {ticks.map((t) => (
        <g>
          <line x1={x(t)} x2={x(t)} y1={TOP - 4} y2={height - 4} stroke="#e5e7eb" stroke-width="1" />
          <text x={x(t)} y={12} text-anchor="middle">
            {ms(t)}
          </text>
        </g>
      ))}
      {props.calls.map((c, i) => {
        const y = TOP + i * ROW;
        const w = Math.max(2, x(c.startMs + c.durationMs) - x(c.startMs));
        return (
          <g>
            <text x={LABEL_W - 8} y={y + 15} text-anchor="end">
              {c.label.length > 30 ? `${c.label.slice(0, 29)}…` : c.label}
            </text>
            <rect x={x(c.startMs)} y={y + 4} width={w} height={ROW - 8} fill={COLORS[c.status] ?? COLORS.ok} />
            <text x={x(c.startMs) + w + 5} y={y + 15}>
              {`${ms(c.durationMs)}${c.status === 'ok' ? '' : ` ${c.status}`}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
