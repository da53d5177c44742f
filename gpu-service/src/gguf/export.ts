// Exports a Hugging Face MoE checkpoint directory to one GGUF file that llama.cpp loads: the loader's
// validated weights (memory-mapped, never widened), the architecture's metadata and the tokenizer.
import { basename, join } from 'node:path';
import { loadCheckpoint } from '../checkpoint/load.js';
import { checkExportable, GGUF_ARCH, hyperparameters, type GgufArch } from './architecture.js';
import { writeGguf } from './format.js';
import { ggufTensors } from './tensors.js';
import { tokenizerMetadata } from './vocab.js';

export interface ExportResult {
  arch: GgufArch;
  tensors: number;
  bytes: number;
  /** What llama.cpp ignores in this checkpoint (see checkExportable). */
  warnings: string[];
}

export function exportGguf(dir: string, out: string, name = basename(dir)): ExportResult {
  const weights = loadCheckpoint(dir);
  const c = weights.config;
  const warnings = checkExportable(c, join(dir, 'config.json'));
  const tensors = ggufTensors(weights);
  // checkExportable refused dense layers, so layer 0 is sparse; its experts hold most of the bytes.
  const ffn = weights.layers[0]!.ffn;
  const experts = ffn.kind === 'moe' ? ffn.moe.experts : null;
  const dtype = !experts ? weights.embed.dtype : experts.layout === 'per-expert' ? experts.gate[0]!.dtype : experts.gateUp.dtype;
  const metadata = new Map([...hyperparameters(c, name, dtype), ...tokenizerMetadata(dir, c)]);
  const bytes = writeGguf(out, metadata, tensors);
  return { arch: GGUF_ARCH[c.family], tensors: tensors.length, bytes, warnings };
}
