// Exports a Hugging Face MoE checkpoint directory to a GGUF file for llama.cpp (usage below, or --help).
import { resolve } from 'node:path';
import { exportGguf } from '../src/gguf/export.js';
import { cli, FAMILIES, resolveModelDir } from './args.js';

const values = cli(
  `Writes a served MoE checkpoint as one GGUF file (llama.cpp's names and layouts).

Usage: npm run -w gpu-service gguf -- (--model DIR | --demo FAMILY) --out FILE [--name NAME]

  --model DIR     a Hugging Face checkpoint folder
  --demo FAMILY   a demo checkpoint: ${FAMILIES.join(', ')} (default olmoe)
  --out FILE      the .gguf file to write
  --name NAME     general.name in the file (default: the folder's name)
  -h, --help      this text`,
  { model: { type: 'string' }, demo: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' } },
);

try {
  if (!values.out) throw new Error('--out FILE is required, e.g. --out model.gguf');
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  const r = exportGguf(resolveModelDir(values.model, values.demo), out, values.name);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  console.log(`wrote ${out}: ${r.arch}, ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB`);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
