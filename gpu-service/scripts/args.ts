// Shared command-line handling of the service scripts: which checkpoint to use.
import type { ServedFamily } from '../src/checkpoint/config.js';
import { ensureDemoCheckpoint } from '../src/demo/write.js';
import { DEMO_SPECS } from '../src/demo/families.js';

export const FAMILIES = Object.keys(DEMO_SPECS) as ServedFamily[];

/** --model DIR wins; otherwise the demo checkpoint of --demo FAMILY (written on first use). */
export function resolveModelDir(model: string | undefined, demo: string | undefined): string {
  if (model) return model;
  const family = (demo ?? 'olmoe') as ServedFamily;
  if (!FAMILIES.includes(family)) throw new Error(`--demo must be one of ${FAMILIES.join(', ')}`);
  return ensureDemoCheckpoint(family);
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${value}'`);
  return n;
}
