// Prints the last-position logits of a token sequence (usage below, or --help).
import { loadCheckpoint } from '../src/checkpoint/load.js';
import { ModelRunner } from '../src/model/forward.js';
import { KvCache } from '../src/model/kv-cache.js';
import { referenceForward } from '../src/reference/forward.js';
import { cli, FAMILIES, numberListFlag, resolveModelDir } from './args.js';

const USAGE = `Prints the last-position logits of a token sequence as one JSON line {"logits": [...]}.

Usage: npm run -w gpu-service logits -- (--model DIR | --demo FAMILY) --ids 1,2,3 [--reference]

  --model DIR     a Hugging Face checkpoint folder
  --demo FAMILY   a demo checkpoint: ${FAMILIES.join(', ')} (default olmoe)
  --ids LIST      comma-separated token ids
  --reference     run the plain TypeScript reference forward instead of the served kernels
  -h, --help      this text`;

const values = cli(USAGE, {
  model: { type: 'string' },
  demo: { type: 'string' },
  ids: { type: 'string', default: '' },
  reference: { type: 'boolean', default: false },
});
const ids = numberListFlag(USAGE, '--ids', values.ids!, { integer: true, min: 0 });

try {
  const weights = loadCheckpoint(resolveModelDir(values.model, values.demo), {
    onProgress: (p) => process.stderr.write(p.stage === 'shard' ? `mapped ${p.file}\n` : ''),
  });
  const bad = ids.find((id) => id >= weights.config.vocabSize);
  if (bad !== undefined) throw new Error(`token id ${bad} is outside the vocabulary of ${weights.config.vocabSize}`);
  let logits: Float32Array;
  if (values.reference) {
    logits = referenceForward(weights, ids).logits;
  } else {
    const c = weights.config;
    const out = await new ModelRunner(weights).forward([{ cache: new KvCache(c.numLayers, c.numKvHeads * c.headDim, ids.length), tokens: ids }]);
    logits = out.logits[0]!;
  }
  console.log(JSON.stringify({ logits: Array.from(logits) }));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
}
