import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPLAY_MANIFEST_PATH, replayEntryPath, replayKey, type ReplayEntry, type ReplayManifest } from '../experts/replay-key';
import { DEFAULT_DATA, loadExamples } from './lib/dataset';

// Builds the replay expert's answers (the replay Worker's static assets) from the shipped data: one
// asset per recorded prompt and a manifest. Skips the work when they are newer than the data.

/** Bumped when the layout of the assets changes, so an older build is replaced. */
const FORMAT = 'entries-v1';

export async function buildReplay(root = 'dist/assets', source = DEFAULT_DATA): Promise<void> {
  const out = join(root, dirname(REPLAY_MANIFEST_PATH));
  const stamp = join(out, '.source');
  const signature = `${FORMAT}:${source}:${statSync(source).size}:${statSync(source).mtimeMs}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === signature) {
    console.log(`replay answers up to date in ${out}`);
    return;
  }
  const t0 = performance.now();
  const examples = loadExamples(source);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const ex of examples) {
    const entry: ReplayEntry = { id: ex.id, answers: Object.fromEntries(Object.entries(ex.outcomes).map(([model, o]) => [model, o.text])) };
    writeFileSync(join(root, replayEntryPath(await replayKey(ex.prompt))), JSON.stringify(entry));
  }
  const manifest: ReplayManifest = { prompts: examples.length };
  writeFileSync(join(root, REPLAY_MANIFEST_PATH), JSON.stringify(manifest));
  writeFileSync(stamp, signature);
  console.log(`replay: ${examples.length} prompts → ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildReplay(process.argv[2], process.argv[3]);
