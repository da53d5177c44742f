// Serves one MoE checkpoint over the OpenAI-compatible API.
//   npm run -w gpu-service serve -- [--model DIR | --demo olmoe] [--port 8090] [--host 127.0.0.1]
// Prints `listening on http://HOST:PORT` when ready; SIGTERM/SIGINT finish in-flight streams, then exit 0.
import { parseArgs } from 'node:util';
import { CheckpointError } from '../src/errors.js';
import { startServer } from '../src/server/listen.js';
import { loadService } from '../src/service.js';
import { intFlag, resolveModelDir } from './args.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: process.env.CONCLAVE_GPU_MODEL },
    demo: { type: 'string' },
    port: { type: 'string', default: process.env.PORT ?? '8090' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    name: { type: 'string' },
    'max-batch': { type: 'string' },
    'max-queue': { type: 'string' },
    'max-context': { type: 'string' },
  },
});

try {
  const dir = resolveModelDir(values.model, values.demo);
  process.stderr.write(`loading ${dir}\n`);
  const model = loadService(dir, {
    ...(values.name ? { id: values.name } : {}),
    limits: {
      ...(values['max-batch'] ? { maxBatchSequences: intFlag(values['max-batch'], '--max-batch', 32) } : {}),
      ...(values['max-queue'] ? { maxQueue: intFlag(values['max-queue'], '--max-queue', 64) } : {}),
      ...(values['max-context'] ? { maxContext: intFlag(values['max-context'], '--max-context', 4096) } : {}),
    },
    onProgress: (p) =>
      process.stderr.write(
        p.stage === 'shard' ? `  mapped ${p.file} (${p.index}/${p.total}, ${(p.bytes / 2 ** 20).toFixed(1)} MiB)\n` : `  layer ${p.index}/${p.total}\n`,
      ),
  });
  process.stderr.write(`model ${model.id} (${model.runner.config.family}) on ${model.device}\n`);
  const server = await startServer(model, intFlag(values.port, '--port', 8090, 0), values.host);
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
