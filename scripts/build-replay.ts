import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { replayKey, replayShard, type ReplayShard } from '../experts/replay-key';
import { DEFAULT_DATA, loadExamples } from './lib/dataset';

// Builds the replay expert's answer shards (static assets of the Worker) from the shipped data.
// Skips the work when the shards are newer than the data.

export async function buildReplay(out = 'dist/assets/replay', source = DEFAULT_DATA): Promise<void> {
  const stamp = join(out, '.source');
  const signature = `${source}:${statSync(source).size}:${statSync(source).mtimeMs}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === signature) {
    console.log(`replay shards up to date in ${out}`);
    return;
  }
  const t0 = performance.now();
  const shards = new Map<string, ReplayShard>();
  const examples = loadExamples(source);
  for (const ex of examples) {
    const key = await replayKey(ex.prompt);
    const name = replayShard(key);
    const shard = shards.get(name) ?? {};
    shard[key] = { id: ex.id, answers: Object.fromEntries(Object.entries(ex.outcomes).map(([model, o]) => [model, o.text])) };
    shards.set(name, shard);
  }
  mkdirSync(out, { recursive: true });
  for (const [name, shard] of shards) writeFileSync(join(out, `${name}.json`), JSON.stringify(shard));
  writeFileSync(stamp, signature);
  console.log(`replay: ${examples.length} prompts in ${shards.size} shards → ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildReplay(process.argv[2], process.argv[3]);
