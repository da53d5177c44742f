import type { Child } from 'hono/jsx';
import { percentile } from '../admin/stats';

// Server-side SVG charts: small pure functions from numbers to markup, no client code. Every chart
// is an image with a <title> and a <desc> that states what it shows, so a screen reader gets the
// gist; the pages print the key figures as text next to them too.

const W = 640;
const H = 220;
const M = { l: 58, r: 14, t: 12, b: 30 };
const PLOT_W = W - M.l - M.r;
const PLOT_H = H - M.t - M.b;

/**
 * At most this many units a character of an 11 px axis label (digits are 0.55–0.64 em in the usual
 * sans fonts): room enough for the longest, so "$0.000375" does not lose its "$" at the chart's edge.
 */
const TICK_CHAR_W = 7;

export const PALETTE = ['#0a58ca', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#1098ad', '#5c940d', '#e8590c'];

export interface Series {
  name: string;
  values: (number | null)[];
  color?: string;
}

/** A round axis maximum at or above the data's (1, 2, 2.5 or 5 × 10^k). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * mag >= max)!;
  return step * mag;
}

function ChartFrame(props: {
  id: string;
  title: string;
  desc: string;
  yMax: number;
  yFormat: (n: number) => string;
  labels: string[];
  children: Child;
  legend?: Series[];
}) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ f, label: props.yFormat(props.yMax * f) }));
  const every = Math.max(1, Math.ceil(props.labels.length / 7));
  const n = props.labels.length;
  // Labels longer than the left margin holds widen the view to the left, so the plot keeps its geometry.
  const spill = Math.max(0, ...ticks.map((t) => t.label.length * TICK_CHAR_W - (M.l - 6)));
  return (
    <svg class="chart" viewBox={`${-spill} 0 ${W + spill} ${H + (props.legend ? 22 : 0)}`} role="img" aria-labelledby={`${props.id}-t ${props.id}-d`}>
      <title id={`${props.id}-t`}>{props.title}</title>
      <desc id={`${props.id}-d`}>{props.desc}</desc>
      {ticks.map(({ f, label }) => {
        const y = M.t + PLOT_H * (1 - f);
        return (
          <g>
            <line x1={M.l} x2={W - M.r} y1={y} y2={y} stroke={f === 0 ? '#8c959f' : '#e5e7eb'} stroke-width="1" />
            <text x={M.l - 6} y={y + 4} text-anchor="end">
              {label}
            </text>
          </g>
        );
      })}
      {props.labels.map((label, i) =>
        i % every === 0 ? (
          <text x={M.l + (n <= 1 ? PLOT_W / 2 : ((i + 0.5) * PLOT_W) / n)} y={H - 10} text-anchor="middle">
            {label}
          </text>
        ) : null,
      )}
      {props.children}
      {props.legend?.map((s, i) => (
        <g>
          <rect x={M.l + i * 120} y={H + 6} width="12" height="12" fill={s.color ?? PALETTE[i % PALETTE.length]} />
          <text x={M.l + i * 120 + 17} y={H + 16}>
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** Lines over evenly spaced points; a null breaks the line (no data in that bucket). */
export function LineChart(props: { id: string; title: string; desc: string; labels: string[]; series: Series[]; yFormat: (n: number) => string }) {
  const n = props.labels.length;
  const yMax = niceMax(Math.max(0, ...props.series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const x = (i: number) => M.l + ((i + 0.5) * PLOT_W) / Math.max(1, n);
  const y = (v: number) => M.t + PLOT_H * (1 - v / yMax);
  return (
    <ChartFrame
      id={props.id}
      title={props.title}
      desc={props.desc}
      yMax={yMax}
      yFormat={props.yFormat}
      labels={props.labels}
      legend={props.series.length > 1 ? props.series : undefined}
    >
      {props.series.map((s, si) => {
        const color = s.color ?? PALETTE[si % PALETTE.length]!;
        let d = '';
        let pen = false;
        s.values.forEach((v, i) => {
          if (v === null) return void (pen = false);
          d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
          pen = true;
        });
        const lone = s.values.map((v, i) => (v !== null && s.values[i - 1] == null && s.values[i + 1] == null ? i : -1)).filter((i) => i >= 0);
        return (
          <g>
            <path d={d} fill="none" stroke={color} stroke-width="2" />
            {lone.map((i) => (
              <circle cx={x(i)} cy={y(s.values[i]!)} r="3" fill={color} />
            ))}
          </g>
        );
      })}
    </ChartFrame>
  );
}

/** One column per bucket. */
export function ColumnChart(props: {
  id: string;
  title: string;
  desc: string;
  labels: string[];
  values: number[];
  yFormat: (n: number) => string;
  color?: string;
}) {
  const n = props.labels.length;
  const yMax = niceMax(Math.max(0, ...props.values));
  const slot = PLOT_W / Math.max(1, n);
  return (
    <ChartFrame id={props.id} title={props.title} desc={props.desc} yMax={yMax} yFormat={props.yFormat} labels={props.labels}>
      {props.values.map((v, i) => {
        const h = (PLOT_H * v) / yMax;
        return v > 0 ? (
          <rect x={M.l + i * slot + slot * 0.1} y={M.t + PLOT_H - h} width={Math.max(1, slot * 0.8)} height={h} fill={props.color ?? PALETTE[0]} />
        ) : null;
      })}
    </ChartFrame>
  );
}

/** Horizontal bars, one per labelled item, longest first as given. */
export function BarList(props: { id: string; title: string; desc: string; items: { label: string; value: number; text: string }[] }) {
  const row = 22;
  const labelW = 200;
  const max = Math.max(0, ...props.items.map((i) => i.value)) || 1;
  const height = Math.max(row, props.items.length * row) + 8;
  // Room after the longest bar for its text ("100% · 1234 calls · $0.000123").
  const barW = W - labelW - 200;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={`${props.id}-t ${props.id}-d`}>
      <title id={`${props.id}-t`}>{props.title}</title>
      <desc id={`${props.id}-d`}>{props.desc}</desc>
      {props.items.map((item, i) => (
        <g>
          <text x={labelW - 8} y={i * row + 15} text-anchor="end">
            {truncate(item.label, 30)}
          </text>
          <rect x={labelW} y={i * row + 4} width={Math.max(1, (barW * item.value) / max)} height={row - 8} fill={PALETTE[0]} />
          <text x={labelW + (barW * item.value) / max + 6} y={i * row + 15}>
            {item.text}
          </text>
        </g>
      ))}
    </svg>
  );
}

type Rgb = [number, number, number];
const WHITE: Rgb = [247, 247, 247];
const BLUE: Rgb = [33, 102, 172];
const RED: Rgb = [178, 24, 43];

function mix(a: Rgb, b: Rgb, t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i]! - v) * Math.min(1, Math.max(0, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** White → blue for counts; red ← white → blue around zero for signed scores. */
export function heatColor(value: number, max: number, diverging: boolean): string {
  if (max <= 0) return mix(WHITE, BLUE, 0);
  if (diverging && value < 0) return mix(WHITE, RED, -value / max);
  return mix(WHITE, BLUE, value / max);
}

/**
 * Where the colour scale saturates: the 95th percentile of |value|, so one extreme column (a keyword
 * on thousands of questions) does not wash every other cell out to white.
 */
function colourLimit(values: readonly number[]): number {
  return (
    percentile(
      values.map(Math.abs).sort((x, y) => x - y),
      95,
    ) ?? 0
  );
}

/**
 * rows × cols cells; each cell's <title> names its row, column and value for pointer and screen
 * reader users. `showValues` prints the values in the cells too, for maps small enough to read so.
 */
export function HeatMap(props: {
  id: string;
  title: string;
  desc: string;
  rows: string[];
  cols: string[];
  values: number[][];
  diverging: boolean;
  format: (n: number) => string;
  rowHeader: string;
  colHeader: string;
  showValues?: boolean;
}) {
  const cell = Math.max(10, Math.min(props.showValues ? 40 : 26, Math.floor(720 / Math.max(1, props.cols.length))));
  const longestCol = Math.max(1, ...props.cols.map((c) => Math.min(c.length, 18)));
  // Short column labels (expert numbers) stand upright; longer ones lean at 60° so they fit a cell.
  const lean = longestCol > 3;
  const labelW = Math.min(240, 12 + 6.5 * Math.max(4, ...props.rows.map((r) => Math.min(r.length, 34))));
  const top = lean ? 12 + 6 * longestCol : 22;
  // A leaning label reaches past its column: the last one needs room on the right.
  const width = Math.ceil(labelW + cell * props.cols.length + 10 + (lean ? 3.5 * longestCol : 0));
  const height = top + cell * props.rows.length + 34;
  const limit = colourLimit(props.values.flat());
  const saturates = limit < Math.max(0, ...props.values.flat().map(Math.abs));
  const legend = [...(props.diverging ? [-limit] : []), 0, limit].map((v) => ({
    v,
    label: `${saturates && v !== 0 ? (v < 0 ? '≤ ' : '≥ ') : ''}${props.format(v)}`,
  }));
  const label = (header: string, name: string) => [header, name].filter(Boolean).join(' ');
  return (
    <svg class="chart heatmap" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${props.id}-t ${props.id}-d`}>
      <title id={`${props.id}-t`}>{props.title}</title>
      <desc id={`${props.id}-d`}>{props.desc}</desc>
      {props.cols.map((col, j) =>
        lean ? (
          <text transform={`translate(${labelW + j * cell + cell / 2 + 4},${top - 6}) rotate(-60)`}>{truncate(col, 18)}</text>
        ) : (
          <text x={labelW + j * cell + cell / 2} y={top - 8} text-anchor="middle">
            {col}
          </text>
        ),
      )}
      {props.rows.map((row, i) => (
        <g>
          <text x={labelW - 6} y={top + i * cell + cell / 2 + 4} text-anchor="end">
            {truncate(row, 34)}
          </text>
          {props.cols.map((col, j) => {
            const v = props.values[i]?.[j] ?? 0;
            return (
              <g>
                <rect x={labelW + j * cell} y={top + i * cell} width={cell - 1} height={cell - 1} fill={heatColor(v, limit, props.diverging)}>
                  <title>{`${label(props.rowHeader, row)}, ${label(props.colHeader, col)}: ${props.format(v)}`}</title>
                </rect>
                {props.showValues ? (
                  // biome-ignore lint/a11y/noAriaHiddenOnFocusable: SVG text is not focusable; the cell's title already reads the value
                  <text
                    class={Math.abs(v) > limit * 0.6 ? 'on-dark' : undefined}
                    x={labelW + j * cell + cell / 2}
                    y={top + i * cell + cell / 2 + 4}
                    text-anchor="middle"
                    aria-hidden="true"
                  >
                    {props.format(v)}
                  </text>
                ) : null}
              </g>
            );
          })}
        </g>
      ))}
      <g transform={`translate(${labelW},${top + props.rows.length * cell + 8})`}>
        {legend.map((l, i) => (
          <g transform={`translate(${i * 90},0)`}>
            <rect width="14" height="14" fill={heatColor(l.v, limit, props.diverging)} stroke="#d0d7de" />
            <text x="18" y="11">
              {l.label}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
