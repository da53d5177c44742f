// `npm run train`: trains every router artifact on routing data in the README's format ("Your own
// data") and writes one ArtifactRecord JSON per artifact to --out. `npm start` and `npm run deploy`
// seed D1 from data/artifacts/ (the default --out), or publish another folder with --artifacts DIR.
// It overwrites only the artifacts it trains: synthesis-skill.json comes from scripts/synthesis-skill.ts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, numberFlag, usageError } from '../gpu-service/scripts/cli';
import { AGREEMENT_LADDER_ARTIFACT, type AgreementLadders } from '../router/cascade/agreement-ladder';
import { replayExpertProfile } from '../router/data-format';
import { pricesOf } from '../router/eval/baselines';
import { chooseLadders, withLadderChoices } from '../router/eval/ladder-choice';
import { PRESETS } from '../router/presets';
import { train } from '../router/train';
import { DataFileError, DEFAULT_DATA, DEFAULT_MODELS, loadExamples, loadModels, unpricedMessage, unpricedModels } from './lib/dataset';

const USAGE = `npm run train -- [--data FILE] [--models FILE] [--out DIR] [--version N] [--ladder-folds K]

Trains the router artifacts on routing data (README "Your own data") and writes one JSON per artifact.

  --data FILE        the questions and recorded outcomes, .jsonl or .jsonl.gz (default ${DEFAULT_DATA})
  --models FILE      the pool and its prices (default ${DEFAULT_MODELS})
  --out DIR          where the artifacts go (default data/artifacts, which npm start seeds a fresh database from)
  --version N        the version written into each artifact (default 1)
  --ladder-folds K   folds of the cross-validation that decides which cascade presets run the agreement
                     ladder (default 3; 0: skip it)
  --help             this text

Publish the result with npm start -- --artifacts DIR or npm run deploy -- --artifacts DIR.`;

const args = cli(USAGE, {
  data: { type: 'string', default: DEFAULT_DATA },
  models: { type: 'string', default: DEFAULT_MODELS },
  out: { type: 'string', default: 'data/artifacts' },
  version: { type: 'string', default: '1' },
  'ladder-folds': { type: 'string', default: '3' },
});

const version = numberFlag(USAGE, '--version', args.version!, { integer: true, min: 1 });
const ladderFolds = numberFlag(USAGE, '--ladder-folds', args['ladder-folds']!, { integer: true, min: 0 });
if (ladderFolds === 1) usageError(USAGE, "--ladder-folds must be 0 (off) or an integer >= 2, got '1'");

function refuse(message: string): never {
  process.stderr.write(`train: ${message}\n`);
  process.exit(2);
}

/** The file's contents, or the refusal naming what is wrong in it (file and line), without a stack. */
function load<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DataFileError) refuse(e.message);
    throw e;
  }
}

const started = performance.now();
const examples = load(() => loadExamples(args.data!));
if (examples.length === 0) refuse(`${args.data} has no questions`);
const models = load(() => loadModels(args.models));
const missing = unpricedModels(models, examples);
if (missing.length) refuse(unpricedMessage(args.models!, missing));
const pool = models.map(replayExpertProfile);
// A fixed creation time keeps the committed files byte-identical when retrained from the same data.
let records = train(
  examples.map((x) => ({ prompt: x.prompt, outcomes: x.outcomes })),
  { version, createdAt: '2025-01-01T00:00:00.000Z', prices: pricesOf(pool) },
);
if (ladderFolds) {
  const choices = await chooseLadders(examples, ladderFolds, pool, [...PRESETS.values()], { policies: [], source: 'pred', includeBaselines: true });
  if (choices.length === 0)
    process.stdout.write(`agreement ladder: too few questions to train one on each of ${ladderFolds} folds; every preset keeps its cascade\n`);
  for (const c of choices)
    process.stdout.write(
      `${c.policy} (budget ${c.budget}×): ${c.ladder ? 'agreement ladder' : 'cascade'} (${ladderFolds}-fold: ladder ${(c.agreement.accuracy * 100).toFixed(2)}% at ${c.agreement.cost.toFixed(3)}×, cascade ${(c.cascade.accuracy * 100).toFixed(2)}% at ${c.cascade.cost.toFixed(3)}×)\n`,
    );
  records = withLadderChoices(records, choices);
}
// Too few comparable questions for any ladder: an empty one is still published, so a ladder an
// earlier publication chose (say, trained on another workload) does not outlive this training.
if (!records.some((r) => r.name === AGREEMENT_LADDER_ARTIFACT)) {
  const none: AgreementLadders = { ladders: [], byKind: [], questions: 0, preferredAt: [] };
  records.push({ name: AGREEMENT_LADDER_ARTIFACT, version, createdAt: records[0]!.createdAt, data: none });
}
mkdirSync(args.out!, { recursive: true });
let total = 0;
for (const r of records) {
  const json = JSON.stringify(r);
  total += json.length;
  writeFileSync(join(args.out!, `${r.name}.json`), json);
  process.stdout.write(`${r.name}@${r.version}: ${(json.length / 1024).toFixed(0)} KiB\n`);
}
process.stdout.write(
  `${records.length} artifacts, ${(total / 1024 / 1024).toFixed(2)} MiB, trained on ${examples.length} questions in ${((performance.now() - started) / 1000).toFixed(1)} s → ${args.out}\n`,
);
