// Micro-benchmark of routing decisions as the Worker makes them: artifacts parsed from their JSON
// (data/artifacts/, written by scripts/train-artifacts.ts), 30 eligible experts, one decision per
// prompt, CPU time per decision (mean / p50 / p99), plus the artifact load time; for cascades also
// each escalation check on the recorded answers of the first stage (the stacked vote's, for quality).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, numberFlag } from '../gpu-service/scripts/cli';
import type { ArtifactRecord } from '../router/artifacts';
import type { RoutingPolicy } from '../router/policy';
import { PRESETS } from '../router/presets';
import { buildStrategies } from '../router/strategies';
import { replayExpertProfile } from '../router/data-format';
import type { ExpertProfile } from '../router/types';
import { DEFAULT_DATA, loadExamples, loadModels } from './lib/dataset';

const USAGE = `npx tsx scripts/bench-route.ts [--artifacts DIR] [--prompts N]

Times routing decisions as the Worker makes them, on the trained artifacts.

  --artifacts DIR   the artifacts (default data/artifacts)
  --prompts N       prompts routed per strategy (default 1000)
  --help            this text`;

const args = cli(USAGE, { artifacts: { type: 'string', default: 'data/artifacts' }, prompts: { type: 'string', default: '1000' } });
const promptCount = numberFlag(USAGE, '--prompts', args.prompts!, { integer: true, min: 1 });

const texts = readdirSync(args.artifacts!)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(join(args.artifacts!, f), 'utf8'));
const loads: number[] = [];
let strategies = buildStrategies(new Map());
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const set = new Map(texts.map((s) => JSON.parse(s) as ArtifactRecord).map((r) => [r.name, r]));
  strategies = buildStrategies(set);
  loads.push(performance.now() - t);
}

const models = loadModels();
const experts: ExpertProfile[] = models.map(replayExpertProfile);
// A 30th expert the artifacts never saw (registered after training): every strategy must cope.
experts.push({ ...experts[0]!, id: 'unseen-expert', inputPricePerMTok: 0.5, outputPricePerMTok: 1.5 });

const examples = loadExamples(DEFAULT_DATA).slice(0, promptCount);
const prompts = examples.map((x) => x.prompt);
const policies: RoutingPolicy[] = [
  { name: 'skill (local, k=3)', strategy: 'skill', aggregate: 'vote', k: 3 },
  { name: 'learned (λ=0.0275)', strategy: 'learned', aggregate: 'first', lambda: 0.0275 },
  { name: 'bandit', strategy: 'bandit', aggregate: 'first' },
  ...[...PRESETS.values()].map((p) => ({ ...p, name: `${p.name} (${p.strategy})` })),
];

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(3)} ms  p50 ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms`;
};

async function main(): Promise<void> {
  process.stdout.write(
    `artifacts: ${texts.length} files, ${(texts.reduce((a, s) => a + s.length, 0) / 1024 / 1024).toFixed(2)} MiB; parse + build all strategies: ${stats(loads.slice(5))}\n`,
  );
  process.stdout.write(`${experts.length} experts, ${prompts.length} prompts, each prompt routed once per strategy (after a warm-up pass)\n`);
  for (const policy of policies) {
    const strategy = strategies.get(policy.strategy)!;
    for (const p of prompts.slice(0, 100)) await strategy.decide({ prompt: p, messages: [] }, experts, policy);
    const times: number[] = [];
    for (const p of prompts) {
      const t = performance.now();
      await strategy.decide({ prompt: p, messages: [] }, experts, policy);
      times.push(performance.now() - t);
    }
    process.stdout.write(`${policy.name.padEnd(22)} ${stats(times)}\n`);
    if (policy.strategy === 'cascade') process.stdout.write(`${'  escalation check'.padEnd(22)} ${stats(await escalationTimes(policy))}\n`);
  }
}

/** CPU time of `escalate` after the first stage, the first stage answering with its recorded texts. */
async function escalationTimes(policy: RoutingPolicy): Promise<number[]> {
  const strategy = strategies.get(policy.strategy)!;
  const times: number[] = [];
  for (const x of examples) {
    const d = await strategy.decide({ prompt: x.prompt, messages: [] }, experts, policy);
    const answers = d.stages[0]!.flatMap((c) => {
      const o = x.outcomes[c.expertId];
      return o ? [{ expertId: c.expertId, text: o.text, usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, latencyMs: 0 }] : [];
    });
    const t = performance.now();
    d.escalate?.(answers, 0);
    times.push(performance.now() - t);
  }
  return times;
}

void main();
