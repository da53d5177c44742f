import type { Metrics } from './types';

// The cost-accuracy frontier as a self-contained SVG: a line per strategy swept over λ,
// the baselines and named policies as labelled points. Cost on a log axis (the prices span 50×).

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

const W = 760;
const H = 480;
const M = { left: 70, right: 170, top: 40, bottom: 55 };

export function frontierSvg(plot: FrontierPlot): string {
  const all = [...plot.sweeps.flatMap((s) => s.points), ...plot.points].filter((p) => p.metrics.cost_per_query > 0);
  const costs = all.map((p) => p.metrics.cost_per_query * 1000);
  const accs = all.map((p) => p.metrics.accuracy * 100);
  const [cx0, cx1] = [Math.log10(Math.min(...costs) / 1.3), Math.log10(Math.max(...costs) * 1.3)];
  const [ay0, ay1] = [Math.floor(Math.min(...accs) / 5) * 5, Math.min(100, Math.ceil(Math.max(...accs) / 5) * 5)];
  const x = (costPer1k: number) => M.left + ((Math.log10(costPer1k) - cx0) / (cx1 - cx0)) * (W - M.left - M.right);
  const y = (acc: number) => H - M.bottom - ((acc - ay0) / (ay1 - ay0 || 1)) * (H - M.top - M.bottom);
  const at = (p: PlotPoint) => [x(p.metrics.cost_per_query * 1000), y(p.metrics.accuracy * 100)] as const;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2}" y="22" text-anchor="middle" font-size="14">${escape(plot.title)}</text>`,
  ];
  for (let a = ay0; a <= ay1; a += 5) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(a)}" y2="${y(a)}" stroke="#eee"/>`, `<text x="${M.left - 6}" y="${y(a) + 4}" text-anchor="end">${a}%</text>`);
  }
  for (let e = Math.ceil(cx0); e <= Math.floor(cx1); e++) {
    for (const m of [1, 2, 5]) {
      const c = m * 10 ** e;
      if (Math.log10(c) < cx0 || Math.log10(c) > cx1) continue;
      parts.push(`<line x1="${x(c)}" x2="${x(c)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`, `<text x="${x(c)}" y="${H - M.bottom + 16}" text-anchor="middle">${c}</text>`);
    }
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">cost per 1k queries (USD, log scale)</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`,
  );
  plot.sweeps.forEach((sweep, i) => {
    const path = [...sweep.points].sort((a, b) => a.metrics.cost_per_query - b.metrics.cost_per_query).map((p) => at(p).map((v) => v.toFixed(1)).join(','));
    parts.push(`<polyline points="${path.join(' ')}" fill="none" stroke="${sweep.colour}" stroke-width="2"/>`);
    for (const p of sweep.points) parts.push(`<circle cx="${at(p)[0]}" cy="${at(p)[1]}" r="3" fill="${sweep.colour}"><title>${escape(p.label)}</title></circle>`);
    parts.push(`<text x="${W - M.right + 10}" y="${M.top + 10 + 16 * i}" fill="${sweep.colour}">— ${escape(sweep.label)}</text>`);
  });
  plot.points.forEach((p, i) => {
    const [px, py] = at(p);
    const colour = i % 2 ? '#d62728' : '#2ca02c';
    parts.push(`<circle cx="${px}" cy="${py}" r="4.5" fill="${colour}"/>`, `<text x="${px + 7}" y="${py - 5}" fill="${colour}">${escape(p.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
