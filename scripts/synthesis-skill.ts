import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { ArtifactRecord } from '../router/artifacts';
import {
  measureOfflineSynthesisSkill,
  sampleSynthesisTasks,
  SYNTHESIS_SKILL_ARTIFACT,
  type SynthesisSkillRanking,
} from '../router/aggregate/synthesis-skill';
import { DEFAULT_DATA, DEFAULT_MODELS, loadExamples, loadModels } from './lib/dataset';

// Measures every recorded model's synthesis skill on the dev split (offline proxy, see
// router/aggregate/synthesis-skill.ts) and writes the ranking as the `synthesis-skill` artifact
// that picks the aggregator when a policy names none.
//   npx tsx scripts/synthesis-skill.ts [--data …] [--sets 3] [--seed 1] [--out data/artifacts/synthesis-skill.json]

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_DATA },
    models: { type: 'string', default: DEFAULT_MODELS },
    sets: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'data/artifacts/synthesis-skill.json' },
  },
});

const setsPerQuestion = Number(values.sets);
const seed = Number(values.seed);
if (!Number.isInteger(setsPerQuestion) || setsPerQuestion < 1 || !Number.isInteger(seed)) throw new Error('--sets must be a positive integer, --seed an integer');

const questions = loadExamples(values.data);
const models = loadModels(values.models);
const names = models.map((m) => m.name);
const tasks = sampleSynthesisTasks(questions, { models: names, setsPerQuestion, seed });
const modelIds = new Map(models.map((m) => [m.name, m.modelId]));
const ranking = measureOfflineSynthesisSkill(questions, tasks, names).map((e) => ({ ...e, skill: Number(e.skill.toFixed(4)), modelId: modelIds.get(e.model)! }));

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
