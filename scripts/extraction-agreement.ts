// How often the answer extracted from each recorded reply (router/answers) is equivalent to the
// `pred` the workload's own scorer recorded, per category; disagreements split by kind.
//
//   npm run eval:extraction                       both shipped dev splits
//   npm run eval:extraction -- --data F [--data G] [--json]

import { parseArgs } from 'node:util';
import { agreementByCategory, type ExtractionAgreement } from '../router/answers/agreement';
import { DEFAULT_DATA, loadExamples } from './lib/dataset';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true, default: [DEFAULT_DATA, 'data/zeroeval-routing/dev.jsonl.gz'] },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

const pct = (x: number) => `${(x * 100).toFixed(2)}%`.padStart(8);
const out: Record<string, Record<string, ExtractionAgreement>> = {};
for (const path of args.data!) {
  const byCategory = agreementByCategory(loadExamples(path));
  const total: ExtractionAgreement = { total: 0, agree: 0, rate: 0, onlyRecorded: 0, onlyExtracted: 0, different: 0 };
  for (const a of byCategory.values()) for (const k of ['total', 'agree', 'onlyRecorded', 'onlyExtracted', 'different'] as const) total[k] += a[k];
  total.rate = total.total ? total.agree / total.total : 0;
  out[path] = { ...Object.fromEntries(byCategory), all: total };
  if (args.json) continue;
  process.stdout.write(
    `${path}\n${'category'.padEnd(18)} ${'replies'.padStart(7)} ${'agree'.padStart(8)} ${'only pred'.padStart(9)} ${'only ours'.padStart(9)} ${'differ'.padStart(7)}\n`,
  );
  for (const [category, a] of [...[...byCategory].sort((x, y) => x[0].localeCompare(y[0])), ['all', total] as const]) {
    process.stdout.write(
      `${category.padEnd(18)} ${String(a.total).padStart(7)} ${pct(a.rate)} ${String(a.onlyRecorded).padStart(9)} ${String(a.onlyExtracted).padStart(9)} ${String(a.different).padStart(7)}\n`,
    );
  }
  process.stdout.write('\n');
}
if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
