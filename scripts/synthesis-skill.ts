import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cli, numberFlag, usageError } from '../gpu-service/scripts/cli';
import type { ArtifactRecord } from '../router/artifacts';
import { measureOfflineSynthesisSkill, sampleSynthesisTasks, SYNTHESIS_SKILL_ARTIFACT, type SynthesisSkillRanking } from '../router/aggregate/synthesis-skill';
import { measureLiveSynthesisSkill } from '../router/aggregate/synthesis-skill-live';
import { DEFAULT_DATA, DEFAULT_MODELS, loadExamples, loadModels } from './lib/dataset';
import { LIVE_EXPERT_ID, liveCaller } from './lib/live-caller';

// Measures every recorded model's synthesis skill on the dev split (offline proxy, see
// router/aggregate/synthesis-skill.ts) and writes the ranking as the `synthesis-skill` artifact
// that picks the aggregator when a policy names none; or one live expert's (usage below).

const USAGE = `npx tsx scripts/synthesis-skill.ts [--data FILE] [--models FILE] [--sets 3] [--seed 1] [--out FILE]
       npx tsx scripts/synthesis-skill.ts --live-url URL --live-model M [--live-key-env VAR] [--limit 200]

Measures every recorded model's synthesis skill on routing data (an offline proxy) and writes the
ranking as the synthesis-skill artifact (default --out data/artifacts/synthesis-skill.json). With
--live-url it instead measures one live OpenAI-compatible expert on the first --limit sets (the
production prompt, a real call per set) and prints it; no artifact is written.

  --data FILE          questions and recorded outcomes (default ${DEFAULT_DATA})
  --models FILE        the pool and its prices (default ${DEFAULT_MODELS})
  --sets N             answer sets sampled per question (default 3)
  --seed N             the sampling seed (default 1)
  --out FILE           where the artifact goes (default data/artifacts/synthesis-skill.json)
  --live-url URL       an OpenAI-compatible endpoint to measure instead (needs --live-model)
  --live-model M       the model it is asked for
  --live-key-env VAR   the variable holding its API key
  --limit N            sets sent to the live expert (default 200)
  --help               this text`;

const values = cli(USAGE, {
  data: { type: 'string', default: DEFAULT_DATA },
  models: { type: 'string', default: DEFAULT_MODELS },
  sets: { type: 'string', default: '3' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string', default: 'data/artifacts/synthesis-skill.json' },
  'live-url': { type: 'string' },
  'live-model': { type: 'string' },
  'live-key-env': { type: 'string' },
  limit: { type: 'string', default: '200' },
});

const setsPerQuestion = numberFlag(USAGE, '--sets', values.sets!, { integer: true, min: 1 });
const seed = numberFlag(USAGE, '--seed', values.seed!, { integer: true });
const limit = numberFlag(USAGE, '--limit', values.limit!, { integer: true, min: 1 });
if (values['live-url'] && !values['live-model']) usageError(USAGE, '--live-url needs --live-model');

const questions = loadExamples(values.data);
const models = loadModels(values.models);
const names = models.map((m) => m.name);
const tasks = sampleSynthesisTasks(questions, { models: names, setsPerQuestion, seed });
if (values['live-url']) {
  const caller = liveCaller({
    url: values['live-url'],
    model: values['live-model']!,
    ...(values['live-key-env'] ? { keyEnv: values['live-key-env'] } : {}),
    inputPricePerMTok: 0,
    outputPricePerMTok: 0,
  });
  const [entry] = await measureLiveSynthesisSkill(caller, [LIVE_EXPERT_ID], tasks.slice(0, limit));
  console.log(
    `live synthesis skill of '${values['live-model']}' at ${values['live-url']}: ${entry!.skill.toFixed(3)} on ${entry!.tasks} sets (${entry!.failures ?? 0} failed calls)`,
  );
  console.log(JSON.stringify({ model: values['live-model'], skill: entry!.skill, tasks: entry!.tasks, failures: entry!.failures ?? 0 }));
  process.exit(0);
}
const modelIds = new Map(models.map((m) => [m.name, m.modelId]));
const ranking = measureOfflineSynthesisSkill(questions, tasks, names).map((e) => ({
  ...e,
  skill: Number(e.skill.toFixed(4)),
  modelId: modelIds.get(e.model)!,
}));

const data: SynthesisSkillRanking & Record<string, unknown> = {
  method: 'offline-proxy',
  ranking,
  source: values.data,
  questions: questions.length,
  candidateSets: tasks.length,
  setsPerQuestion,
  seed,
};
const record: ArtifactRecord = { name: SYNTHESIS_SKILL_ARTIFACT, version: 1, createdAt: new Date().toISOString(), data };
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(record, null, 1)}\n`);

console.log(`${tasks.length} candidate sets (1 correct + 2 wrong) from ${questions.length} questions → ${values.out}`);
console.log('rank  skill   sets  model');
ranking.forEach((e, i) => console.log(`${String(i + 1).padStart(4)}  ${e.skill.toFixed(3)}  ${String(e.tasks).padStart(5)}  ${e.model}`));
