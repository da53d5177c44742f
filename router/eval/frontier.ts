import type { Metrics } from './types';

// The cost-accuracy frontier as a self-contained SVG: a line per strategy swept over λ, the
// baselines and named policies as coloured points named in a legend (in-plot labels collide where
// the points crowd). Cost on a log axis (the prices span 50×). The accuracy axis is fitted to the
// sweeps: a point far outside them (random, the oracle) is listed under the legend, not drawn.

export interface PlotPoint {
  label: string;
  metrics: Metrics;
}

export interface Sweep {
  label: string;
  colour: string;
  points: PlotPoint[];
}

export interface FrontierPlot {
  title: string;
  sweeps: Sweep[];
  points: PlotPoint[];
}

const W = 860;
const H = 500;
const M = { left: 60, right: 290, top: 40, bottom: 55 };
/** How far (accuracy points) a point may lie outside the sweeps' range and still be drawn. */
const AXIS_SLACK = 5;
const POINT_COLOURS = ['#2ca02c', '#d62728', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#000000', '#9edae5', '#ff9896'];

export function frontierSvg(plot: FrontierPlot): string {
  const swept = plot.sweeps.flatMap((s) => s.points).filter((p) => p.metrics.cost_per_query > 0);
  const sweptAcc = swept.map((p) => p.metrics.accuracy * 100);
  const [lo, hi] = sweptAcc.length ? [Math.min(...sweptAcc) - AXIS_SLACK, Math.max(...sweptAcc) + AXIS_SLACK] : [-Infinity, Infinity];
  const onChart = (p: PlotPoint) => p.metrics.cost_per_query > 0 && p.metrics.accuracy * 100 >= lo && p.metrics.accuracy * 100 <= hi;
  const drawn = [...swept, ...plot.points.filter(onChart)];
  const costs = drawn.map((p) => p.metrics.cost_per_query * 1000);
  const accs = drawn.map((p) => p.metrics.accuracy * 100);
  const [cx0, cx1] = [Math.log10(Math.min(...costs) / 1.3), Math.log10(Math.max(...costs) * 1.3)];
  const step = niceStep(Math.max(...accs) - Math.min(...accs));
  const [ay0, ay1] = [Math.floor(Math.min(...accs) / step) * step, Math.min(100, Math.ceil(Math.max(...accs) / step) * step)];
  const x = (costPer1k: number) => M.left + ((Math.log10(costPer1k) - cx0) / (cx1 - cx0)) * (W - M.left - M.right);
  const y = (acc: number) => H - M.bottom - ((acc - ay0) / (ay1 - ay0 || 1)) * (H - M.top - M.bottom);
  const at = (p: PlotPoint) => [x(p.metrics.cost_per_query * 1000), y(p.metrics.accuracy * 100)] as const;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(plot.title)}</text>`,
  ];
  for (let a = ay0; a <= ay1 + 1e-9; a += step) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(a)}" y2="${y(a)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${y(a) + 4}" text-anchor="end">${+a.toFixed(1)}%</text>`,
    );
  }
  for (let e = Math.floor(cx0); e <= Math.ceil(cx1); e++) {
    for (const m of [1, 2, 5]) {
      const c = m * 10 ** e;
      if (Math.log10(c) < cx0 || Math.log10(c) > cx1) continue;
      parts.push(
        `<line x1="${x(c)}" x2="${x(c)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`,
        `<text x="${x(c)}" y="${H - M.bottom + 16}" text-anchor="middle">${+c.toPrecision(3)}</text>`,
      );
    }
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">cost per 1k queries (USD, log scale)</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`,
  );
  let line = 0;
  const legend = (colour: string, text: string) =>
    parts.push(`<text x="${W - M.right + 14}" y="${M.top + 6 + 15 * line++}" fill="${colour}">${escapeXml(text)}</text>`);
  for (const sweep of plot.sweeps) {
    const path = [...sweep.points]
      .sort((a, b) => a.metrics.cost_per_query - b.metrics.cost_per_query)
      .map((p) =>
        at(p)
          .map((v) => v.toFixed(1))
          .join(','),
      );
    parts.push(`<polyline points="${path.join(' ')}" fill="none" stroke="${sweep.colour}" stroke-width="2"/>`);
    for (const p of sweep.points)
      parts.push(`<circle cx="${at(p)[0]}" cy="${at(p)[1]}" r="3" fill="${sweep.colour}"><title>${escapeXml(p.label)}</title></circle>`);
    legend(sweep.colour, `— ${sweep.label}`);
  }
  line++;
  const off: PlotPoint[] = [];
  plot.points.forEach((p, i) => {
    if (!onChart(p)) {
      off.push(p);
      return;
    }
    const colour = POINT_COLOURS[i % POINT_COLOURS.length]!;
    const [px, py] = at(p);
    parts.push(`<circle cx="${px}" cy="${py}" r="5" fill="${colour}" stroke="white"><title>${escapeXml(p.label)}</title></circle>`);
    legend(colour, `● ${describe(p)}`);
  });
  if (off.length) {
    line++;
    legend('#555', 'off the chart:');
    for (const p of off) legend('#555', `  ${describe(p)}`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Name, accuracy and cost relative to the best single model. */
function describe(p: PlotPoint): string {
  return `${p.label}  ${(p.metrics.accuracy * 100).toFixed(1)}%, ${p.metrics.cost_vs_best_single.toFixed(2)}× cost`;
}

/** A grid step (1, 2, 5 × 10^n accuracy points) giving at most 10 lines over the span. */
function niceStep(span: number): number {
  for (const s of [0.5, 1, 2, 5, 10, 20]) if (span / s <= 10) return s;
  return 25;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
