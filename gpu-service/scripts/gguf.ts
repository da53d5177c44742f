// Exports a Hugging Face MoE checkpoint directory to a GGUF file for llama.cpp.
//   npm run -w gpu-service gguf -- --model DIR --out FILE [--name NAME]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportGguf } from '../src/gguf/export.js';
import { resolveModelDir } from './args.js';

try {
  const { values } = parseArgs({ options: { model: { type: 'string' }, demo: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' } } });
  if (!values.out) throw new Error('--out FILE is required, e.g. --out model.gguf');
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  const r = exportGguf(resolveModelDir(values.model, values.demo), out, values.name);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  console.log(`wrote ${out}: ${r.arch}, ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB`);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
