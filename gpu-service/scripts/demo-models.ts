// Writes the tiny random-weight demo checkpoints (one per family) into gpu-service/demo-models/.
//   npm run -w gpu-service demo-models [-- --force]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SPECS } from '../src/demo/families.js';
import { DEMO_ROOT, ensureCheckpoint } from '../src/demo/write.js';
import { cli } from './args.js';

const values = cli(
  `Writes the tiny random-weight demo checkpoints (one per family) into gpu-service/demo-models/.

Usage: npm run -w gpu-service demo-models [-- --force]

  --force      write them again even when present
  -h, --help   this text`,
  { force: { type: 'boolean', default: false } },
);
for (const spec of Object.values(DEMO_SPECS)) {
  if (values.force) rmSync(join(DEMO_ROOT, spec.name), { recursive: true, force: true });
  console.log(`${ensureCheckpoint(spec)}  (${spec.family}, ${spec.dtype}, RANDOM weights)`);
}
