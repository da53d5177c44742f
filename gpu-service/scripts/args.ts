// Shared command-line handling of the service scripts: --help, refusing what a script does not
// know, and which checkpoint to use.
import { resolve } from 'node:path';
import type { ServedFamily } from '../src/checkpoint/config.js';
import { ensureDemoCheckpoint } from '../src/demo/write.js';
import { DEMO_SPECS } from '../src/demo/families.js';

export const FAMILIES = Object.keys(DEMO_SPECS) as ServedFamily[];

/**
 * --model DIR wins; otherwise the demo checkpoint of --demo FAMILY (written on first use). A relative DIR
 * is taken from where npm was invoked (INIT_CWD): `npm run -w gpu-service …` runs in gpu-service/.
 */
export function resolveModelDir(model: string | undefined, demo: string | undefined): string {
  if (model) return resolve(process.env.INIT_CWD ?? process.cwd(), model);
  const family = (demo ?? 'olmoe') as ServedFamily;
  if (!FAMILIES.includes(family)) throw new Error(`--demo must be one of ${FAMILIES.join(', ')}`);
  return ensureDemoCheckpoint(family);
}

export { cli, numberFlag, numberListFlag } from './cli.js';
