import type { Inspector } from './inspector';

// Where a Worker spends its CPU, from a V8 CPU profile taken through the inspector: each sample's
// self time goes to the source module its function sits in. wrangler bundles with esbuild, which
// marks every module with a `// path/to/module.ts` line; those markers map bundle lines to modules.

interface CallFrame {
  scriptId: string;
  url: string;
  functionName: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a module belongs to, for the table: first matching prefix wins. */
export const PARTS: readonly (readonly [part: string, prefixes: readonly string[]])[] = [
  ['Hono (routing, context, SSE)', ['node_modules/hono/']],
  ['zod (request validation)', ['node_modules/zod/']],
  ['drizzle (D1 statements)', ['node_modules/drizzle-orm/']],
  ['handlers, auth, body limits', ['worker/routes/', 'worker/http/', 'worker/app.ts', 'worker/index.ts']],
  ['policy, keys, registry, caller', ['worker/gateway/', 'worker/limits/', 'worker/resilience/', 'worker/env.ts']],
  ['router (plan, pipeline, aggregation)', ['router/']],
  ['expert adapters (request, response, SSE)', ['experts/', 'node_modules/eventsource-parser/']],
  ['history, spend, sinks', ['worker/db/', 'worker/history/', 'worker/export/']],
  ['the pass-through Worker itself', ['scripts/bench/']],
];

/** Sorted module start lines of one bundle. */
export function moduleMarkers(source: string): { line: number; module: string }[] {
  const markers: { line: number; module: string }[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:node_modules\/|[a-z][\w-]*\/)[\w@./-]+\.(?:ts|tsx|js|mjs))$/.exec(lines[i]!);
    if (m) markers.push({ line: i, module: m[1]! });
  }
  return markers;
}

function moduleAt(markers: readonly { line: number; module: string }[], line: number): string | null {
  let lo = 0;
  let hi = markers.length - 1;
  let found: string | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid]!.line <= line) {
      found = markers[mid]!.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export function partOf(module: string | null, frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'garbage collection';
  if (module) for (const [part, prefixes] of PARTS) if (prefixes.some((p) => module.startsWith(p))) return part;
  if (frame.functionName === '(idle)' || frame.functionName === '(program)') return 'idle';
  return 'runtime (Web APIs, V8 built-ins)';
}

/** A built-in (JSON, crypto, streams) is charged to the nearest bundled module that called it. */
function partOfSample(
  id: number,
  nodes: ReadonlyMap<number, ProfileNode>,
  parent: ReadonlyMap<number, number>,
  markersByScript: ReadonlyMap<string, { line: number; module: string }[]>,
): string {
  const own = nodes.get(id)!.callFrame;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = nodes.get(at)!.callFrame;
    const markers = markersByScript.get(frame.scriptId);
    const module = markers ? moduleAt(markers, frame.lineNumber) : null;
    if (module) return partOf(module, own);
  }
  return partOf(null, own);
}

/**
 * Self time in microseconds per part: samples times the median sampling interval. The deltas
 * themselves are not summed: one that spans a wait (the isolate idle between requests, or the
 * sampler starved on a busy machine) would charge the whole wait to the frame sampled after it.
 * workerd reports idle time as '(program)', left out with '(idle)'.
 */
export function attribute(profile: CpuProfile, markersByScript: ReadonlyMap<string, { line: number; module: string }[]>): Map<string, number> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const deltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const interval = deltas[deltas.length >> 1] ?? 0;
  const out = new Map<string, number>();
  for (const id of profile.samples) {
    const part = partOfSample(id, nodes, parent, markersByScript);
    if (part !== 'idle') out.set(part, (out.get(part) ?? 0) + interval);
  }
  return out;
}

/** Profiles the isolate while `work` runs; returns self time per part. */
export async function profileParts(inspector: Inspector, work: () => Promise<void>): Promise<Map<string, number>> {
  await inspector.send('Debugger.enable');
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: 100 });
  await inspector.send('Profiler.start');
  const done = work().then(
    () => null,
    (e: unknown) => e,
  );
  const failed = await done;
  const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
  if (failed) throw failed;
  const scripts = new Set(profile.nodes.filter((n) => n.callFrame.url).map((n) => n.callFrame.scriptId));
  const markers = new Map<string, { line: number; module: string }[]>();
  for (const scriptId of scripts) {
    const { scriptSource } = await inspector.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId });
    const m = moduleMarkers(scriptSource);
    if (m.length) markers.set(scriptId, m);
  }
  await inspector.send('Debugger.disable');
  return attribute(profile, markers);
}
