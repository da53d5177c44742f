import { profileParts } from './cpu-profile';
import { connectInspector } from './inspector';
import type { Target } from './overhead';

// CPU per request by part for one target, from a profile of its Worker over N sequential requests.

export interface CpuFigures {
  name: string;
  requests: number;
  /** Requests served before the profile started. */
  warm: number;
  /** Microseconds of CPU per request, by part (scripts/lib/cpu-profile.ts PARTS). */
  parts: Record<string, number>;
  total: number;
}

/**
 * `warm` requests go first: V8 optimises a function only after it has run many times (zod's parse
 * takes thousands of calls to reach its steady speed), and the figures are meant for an isolate
 * that has been serving a while.
 */
export async function cpuPerRequest(t: Target, inspectorPort: number, requests: number, warm: number): Promise<CpuFigures> {
  const send = async () => {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${t.name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  };
  for (let i = 0; i < warm; i++) await send();
  const inspector = await connectInspector(inspectorPort);
  try {
    const parts = await profileParts(inspector, async () => {
      for (let i = 0; i < requests; i++) await send();
    });
    const perRequest = Object.fromEntries([...parts].map(([part, us]) => [part, us / requests]));
    return { name: t.name, requests, warm, parts: perRequest, total: Object.values(perRequest).reduce((a, b) => a + b, 0) };
  } finally {
    inspector.close();
  }
}

export function printCpuTable(figures: CpuFigures[]): void {
  const parts = [...new Set(figures.flatMap((f) => Object.keys(f.parts)))].sort((a, b) => (figures.at(-1)!.parts[b] ?? 0) - (figures.at(-1)!.parts[a] ?? 0));
  console.log(
    `\nCPU per request in the Worker, by part (µs; a V8 CPU profile over ${figures[0]?.requests} sequential requests each after ${figures[0]?.warm} to warm up, through the inspector):\n`,
  );
  console.log(`| part | ${figures.map((f) => f.name).join(' | ')} |`);
  console.log(`|---|${figures.map(() => '---').join('|')}|`);
  for (const p of parts) console.log(`| ${p} | ${figures.map((f) => (f.parts[p] ?? 0).toFixed(0)).join(' | ')} |`);
  console.log(`| **total** | ${figures.map((f) => f.total.toFixed(0)).join(' | ')} |`);
}
