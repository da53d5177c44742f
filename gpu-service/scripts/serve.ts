// Serves one MoE checkpoint over the OpenAI-compatible API. Prints `listening on http://HOST:PORT`
// when ready; SIGTERM/SIGINT finish in-flight streams, then exit 0.
import { CheckpointError } from '../src/errors.js';
import { startServer } from '../src/server/listen.js';
import { DEFAULT_LIMITS, loadService, PROMPT_BYTES_PER_TOKEN } from '../src/service.js';
import { cli, FAMILIES, numberFlag, resolveModelDir } from './args.js';

const USAGE = `Serves one sparse-MoE checkpoint over an OpenAI-compatible API: POST /v1/chat/completions and
/v1/completions (JSON or SSE), POST /v1/moe/trace, GET /v1/models, /health and /metrics (Prometheus).

Usage: npm run -w gpu-service serve -- [options]

  --model DIR        a Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json);
                     env CONCLAVE_GPU_MODEL
  --demo FAMILY      a tiny random-weight demo checkpoint instead, written on first use:
                     ${FAMILIES.join(', ')} (the default when no --model is given: olmoe)
  --port N           port to listen on (default 8090, env PORT; 0 picks a free one)
  --host ADDR        address to listen on (default 127.0.0.1, env HOST)
  --name ID          the model id it answers as (default: the checkpoint folder's name)
  --max-batch N      sequences per forward pass (default ${DEFAULT_LIMITS.maxBatchSequences})
  --max-queue N      requests waiting for a batch slot before it answers 429 (default ${DEFAULT_LIMITS.maxQueue})
  --max-context N    tokens per sequence, prompt and completion (default ${DEFAULT_LIMITS.maxContext}, at most the checkpoint's)
  --max-prompt-bytes N  longest prompt text tokenised; longer is refused with 413 before tokenising
                     (default ${PROMPT_BYTES_PER_TOKEN} × the context)
  --api-key KEY      required as Authorization: Bearer KEY on every route but GET /health; env
                     CONCLAVE_GPU_API_KEY (preferred: a flag shows in the process list). Required
                     when --host is not a loopback address
  -h, --help         this text

Request fields it cannot honour (tools, logprobs, penalties, response_format, n > 1, …) are refused
with a 400 naming the field, never silently ignored.`;

const values = cli(USAGE, {
  model: { type: 'string', default: process.env.CONCLAVE_GPU_MODEL },
  demo: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
  name: { type: 'string' },
  'max-batch': { type: 'string' },
  'max-queue': { type: 'string' },
  'max-context': { type: 'string' },
  'max-prompt-bytes': { type: 'string' },
  'api-key': { type: 'string', default: process.env.CONCLAVE_GPU_API_KEY },
});

// Checked before anything loads. A batch or queue of 0 would never admit a request; port 0 picks a free one.
const count = (flag: string, value: string | undefined) => numberFlag(USAGE, flag, value, { integer: true, min: 1 });
const [maxBatchSequences, maxQueue, maxContext, maxPromptBytes] = [
  count('--max-batch', values['max-batch']),
  count('--max-queue', values['max-queue']),
  count('--max-context', values['max-context']),
  count('--max-prompt-bytes', values['max-prompt-bytes']),
];
const port = numberFlag(USAGE, values.port === undefined ? 'PORT' : '--port', values.port ?? process.env.PORT ?? '8090', {
  integer: true,
  min: 0,
  max: 65_535,
});

// Anyone who reaches an open service can keep it busy: beyond loopback, a key is required.
const apiKey = values['api-key'] || undefined;
if (!apiKey && !isLoopback(values.host)) {
  process.stderr.write(`refusing to listen on ${values.host} without an API key: set CONCLAVE_GPU_API_KEY (or --api-key)\n`);
  process.exit(2);
}

try {
  const dir = resolveModelDir(values.model, values.demo);
  process.stderr.write(`loading ${dir}\n`);
  const model = loadService(dir, {
    ...(values.name ? { id: values.name } : {}),
    limits: {
      ...(maxBatchSequences !== undefined ? { maxBatchSequences } : {}),
      ...(maxQueue !== undefined ? { maxQueue } : {}),
      ...(maxContext !== undefined ? { maxContext } : {}),
      ...(maxPromptBytes !== undefined ? { maxPromptBytes } : {}),
    },
    onProgress: (p) =>
      process.stderr.write(
        p.stage === 'shard' ? `  mapped ${p.file} (${p.index}/${p.total}, ${(p.bytes / 2 ** 20).toFixed(1)} MiB)\n` : `  layer ${p.index}/${p.total}\n`,
      ),
  });
  process.stderr.write(`model ${model.id} (${model.runner.config.family}) on ${model.device}\n`);
  const server = await startServer(model, port, values.host, apiKey ? { apiKey } : {});
  console.log(`listening on ${server.url}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight requests\n`);
    void server.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (e) {
  process.stderr.write(`${e instanceof CheckpointError ? 'bad checkpoint: ' : ''}${(e as Error).message}\n`);
  process.exit(1);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
