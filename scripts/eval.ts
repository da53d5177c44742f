// Offline evaluation of the router (issue #3): trains on --train, routes every question of --data
// from its prompt alone, answers with the recorded outcomes of the chosen experts, and compares
// with the baselines. Without --train (or with --train equal to --data) it cross-validates --data.
// The options are in USAGE below (`npm run eval -- --help`).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cli, numberFlag, numberListFlag, usageError } from '../gpu-service/scripts/cli';
import { extractionAgreement, summarize } from '../router/eval/metrics';
import { crossValidate, evaluateSplit, type ResultsByRouter } from '../router/eval/crossval';
import { DEFAULT_LAMBDA_GRID, nestedCrossValidate, PRESET_BUDGETS, type LambdaChoice } from '../router/eval/nested';
import { kFolds } from '../router/eval/folds';
import type { LadderChoice } from '../router/eval/ladder-choice';
import { frontierSvg, type PlotPoint } from '../router/eval/frontier';
import type { LiveAggregator } from '../router/eval/live';
import type { OfflineAggregation } from '../router/eval/replay';
import type { Metrics } from '../router/eval/types';
import { AGGREGATION_NAMES, STRATEGY_NAMES, type AggregationName, type RoutingPolicy, type StrategyName } from '../router/policy';
import { round } from '../router/learned/strategy';
import { PRESETS } from '../router/presets';
import { isConclaveError } from '../router/errors';
import { replayExpertProfile } from '../router/data-format';
import type { ExpertProfile } from '../router/types';
import { DataFileError, DEFAULT_DATA, DEFAULT_MODELS, loadExamples, loadModels, unpricedMessage, unpricedModels } from './lib/dataset';
import { LIVE_EXPERT_ID, liveCaller } from './lib/live-caller';

const USAGE = `npm run eval -- [options]

Scores the routers on routing data (README "Your own data"): 5-fold cross-validation of --data, or
trained on --train and routed on --data.

  --data FILE            questions and recorded outcomes, .jsonl or .jsonl.gz (default ${DEFAULT_DATA})
  --models FILE          the pool and its prices (default ${DEFAULT_MODELS})
  --train FILE           train on FILE, route --data (no cross-validation)
  --folds K              cross-validation folds (default 5)
  --policy NAME          the router reported first and in the JSON line: a preset or a strategy (default economy)
  --aggregate NAME       first, vote, weighted-vote, stacked-vote, or synthesize / judge through a live
                         aggregator: --aggregator-url URL --aggregator-model M [--aggregator-key-env VAR]
                         [--aggregator-price IN,OUT] (USD per million tokens)
  --source pred|text     vote on the recorded preds or on choices extracted from the answer texts (default pred)
  --limit N              route only the first N questions (training is unchanged)
  --labels all|none      none: train on the experts' consensus instead of the labels (router/unsupervised)
  --lambdas L,…          the λ grid of the cost-accuracy sweep; --no-sweep skips it
  --budgets B,…          the cost budgets (× the pool's reference cost) the agreement ladder is swept over
  --svg PATH             the frontier plot (default eval-output/routing-frontier.svg)
  --nested-lambda        each preset's λ chosen per outer fold by an inner cross-validation (--inner-folds 3)
  --ladder-folds K       folds deciding on each training split whether the cascade presets run the
                         agreement ladder, as npm run train does (default 3; 0: off)
  --json                 end with one JSON line of the results
  --help                 this text`;

const args = cli(USAGE, {
  train: { type: 'string' },
  data: { type: 'string', default: DEFAULT_DATA },
  models: { type: 'string', default: DEFAULT_MODELS },
  policy: { type: 'string', default: 'economy' },
  folds: { type: 'string', default: '5' },
  aggregate: { type: 'string' },
  source: { type: 'string', default: 'pred' },
  json: { type: 'boolean', default: false },
  svg: { type: 'string', default: 'eval-output/routing-frontier.svg' },
  lambdas: { type: 'string', default: '0,0.005,0.01,0.02,0.05,0.1,0.2,0.3,0.5' },
  budgets: { type: 'string', default: '0.1,0.2,0.35,0.5,0.75,1,1.5,2,3' },
  'no-sweep': { type: 'boolean', default: false },
  'aggregator-url': { type: 'string' },
  'aggregator-model': { type: 'string' },
  'aggregator-key-env': { type: 'string' },
  'aggregator-price': { type: 'string', default: '0,0' },
  limit: { type: 'string' },
  labels: { type: 'string', default: 'all' },
  'nested-lambda': { type: 'boolean', default: false },
  'inner-folds': { type: 'string', default: '3' },
  'ladder-folds': { type: 'string', default: '3' },
});

// The numbers, checked before anything is loaded: a typo is named, never turned into NaN or another number.
const limit = numberFlag(USAGE, '--limit', args.limit, { integer: true, min: 1 });
const folds = numberFlag(USAGE, '--folds', args.folds!, { integer: true, min: 2 });
const innerFolds = numberFlag(USAGE, '--inner-folds', args['inner-folds']!, { integer: true, min: 2 });
const ladderFolds = numberFlag(USAGE, '--ladder-folds', args['ladder-folds']!, { integer: true, min: 0 });
if (ladderFolds === 1) usageError(USAGE, "--ladder-folds must be 0 (off) or an integer >= 2, got '1'");
// Checked even when not swept, so a mistyped grid is named rather than silently ignored.
const lambdaGrid = numberListFlag(USAGE, '--lambdas', args.lambdas!, { min: 0 });
const budgetGrid = numberListFlag(USAGE, '--budgets', args.budgets!, { min: 0 });
const price = numberListFlag(USAGE, '--aggregator-price', args['aggregator-price']!, { min: 0 });
if (price.length !== 2) usageError(USAGE, `--aggregator-price is IN,OUT in USD per million tokens, got '${args['aggregator-price']}'`);

const log = (line: string) => process.stdout.write(`${line}\n`);

function fail(message: string): never {
  process.stderr.write(`eval: ${message}\n`);
  process.exit(2);
}

function policyNamed(name: string): RoutingPolicy {
  const preset = PRESETS.get(name);
  if (preset) return preset;
  if ((STRATEGY_NAMES as readonly string[]).includes(name))
    return { name, strategy: name as StrategyName, aggregate: name === 'skill' || name === 'agreement' ? 'vote' : 'first' };
  return fail(`unknown policy '${name}': use one of ${[...PRESETS.keys(), ...STRATEGY_NAMES].join(', ')}`);
}

/** --aggregate: a vote kind replayed on recorded answers, or synthesis / judging through a live expert. */
function aggregationChoice(): { override?: OfflineAggregation; live?: LiveAggregator } {
  const name = args.aggregate;
  if (name === undefined) return {};
  if (!(AGGREGATION_NAMES as readonly string[]).includes(name)) fail(`unknown aggregation '${name}': one of ${AGGREGATION_NAMES.join(', ')}`);
  if (name === 'layers')
    fail(`aggregation 'layers' has the experts answer again after seeing each other, which recorded answers cannot do; evaluate it in the gateway`);
  if (name !== 'synthesize' && name !== 'judge') return { override: name as OfflineAggregation };
  const url = args['aggregator-url'];
  const model = args['aggregator-model'];
  if (!url || !model)
    fail(
      `aggregation '${name}' writes or picks a new answer, so it needs a live expert: pass --aggregator-url URL --aggregator-model M (recorded answers can only be voted on: first, vote, weighted-vote, stacked-vote)`,
    );
  const [input, output] = price as [number, number];
  const keyEnv = args['aggregator-key-env'];
  if (keyEnv && !process.env[keyEnv]) fail(`--aggregator-key-env names ${keyEnv}, which is not set`);
  const caller = liveCaller({ url, model, ...(keyEnv ? { keyEnv } : {}), inputPricePerMTok: input, outputPricePerMTok: output });
  return { live: { kind: name, caller, expertId: LIVE_EXPERT_ID } };
}

function experts(): ExpertProfile[] {
  return loadModels(args.models).map(replayExpertProfile);
}

// The learned router alone, the economy-shaped cascade (stopping on the vote) and the quality-shaped one (three rungs together, stopping on the stacked vote).
const SWEPT: readonly { label: string; strategy: StrategyName; aggregate: AggregationName; k: number; quorum: number; stop_on?: 'vote'; colour: string }[] = [
  { label: 'learned', strategy: 'learned', aggregate: 'first', k: 1, quorum: 1, colour: '#1f77b4' },
  { label: 'cascade k=3', strategy: 'cascade', aggregate: 'stacked-vote', k: 3, quorum: 1, stop_on: 'vote', colour: '#ff7f0e' },
  { label: 'cascade k=4 q=3', strategy: 'cascade', aggregate: 'stacked-vote', k: 4, quorum: 3, colour: '#9467bd' },
];
/** The agreement ladder is parameterised by its cost budget, not λ: swept over budgets. */
const LADDER_SWEEP = { label: 'agreement ladder', colour: '#e6550d' } as const;
const ladderAt = (budget: number): RoutingPolicy => ({ name: `agreement budget=${budget}`, strategy: 'agreement', aggregate: 'vote', cost_budget: budget });

async function main(): Promise<void> {
  const source = args.source === 'text' ? 'text' : args.source === 'pred' ? 'pred' : fail(`--source is pred or text, not '${args.source}'`);
  const chosen = policyNamed(args.policy!);
  const { override, live } = aggregationChoice();
  const nested = args['nested-lambda'];
  if (nested && (live || (args.train && args.train !== args.data) || args.labels !== 'all' || limit !== undefined))
    fail('--nested-lambda cross-validates one labelled split: it takes no --train, --limit, --labels none or live aggregator');
  // A live aggregator is called once per routed question: no λ sweeps, only the chosen policy. A
  // nested run chooses λ itself.
  const sweeping = !(args['no-sweep'] || live || nested);
  const lambdas = sweeping ? lambdaGrid : [];
  const budgets = sweeping ? budgetGrid : [];
  const sweepPolicies = SWEPT.flatMap((s) =>
    lambdas.map(
      (lambda): RoutingPolicy => ({
        name: `${s.label} λ=${lambda}`,
        strategy: s.strategy,
        aggregate: s.aggregate,
        k: s.k,
        quorum: s.quorum,
        ...(s.stop_on ? { stop_on: s.stop_on } : {}),
        lambda,
      }),
    ),
  ).concat(budgets.map(ladderAt));
  const named = live || nested ? [chosen] : [chosen, ...[...PRESETS.values()].filter((p) => p.name !== chosen.name)];
  if (nested && PRESET_BUDGETS[chosen.name] === undefined)
    fail(`--nested-lambda tunes a preset (${Object.keys(PRESET_BUDGETS).join(', ')}), not '${chosen.name}'`);
  const tuned = nested ? [...PRESETS.values()].map((policy) => ({ policy, budget: PRESET_BUDGETS[policy.name]! })) : [];
  let chosenLambdas: Map<string, LambdaChoice>[] = [];
  if (args.labels !== 'all' && args.labels !== 'none') fail(`--labels is all or none, not '${args.labels}'`);
  const ladderChoices: LadderChoice[][] = [];
  const opts = {
    labels: args.labels,
    policies: [...named, ...sweepPolicies],
    source,
    includeBaselines: true,
    ...(override ? { aggregateOverride: override } : {}),
    ...(live ? { live } : {}),
    ...(limit !== undefined ? { routeAtMost: limit } : {}),
    // A live aggregator is called per routed question: its presets stay as they are.
    ...(ladderFolds && !live ? { ladderFolds, onLadderChoice: (c: LadderChoice[]) => ladderChoices.push(c) } : {}),
  } as const;
  const pool = experts();

  const data = loadExamples(args.data!);
  const trainSet = args.train && args.train !== args.data ? loadExamples(args.train) : undefined;
  // A fold of one question would train on nothing.
  if (!trainSet && data.length < 2) fail(`${args.data} has ${data.length} question(s): cross-validation needs at least 2 (or pass --train FILE)`);
  if (trainSet?.length === 0) fail(`${args.train} has no questions`);
  const missing = unpricedModels(loadModels(args.models), [...data, ...(trainSet ?? [])]);
  if (missing.length) fail(unpricedMessage(args.models!, missing));
  const started = performance.now();
  let results: ResultsByRouter;
  let setup: string;
  /** Routed questions per fold, in the order crossValidate pools them (for the fold spread). */
  let foldSizes: number[] = [];
  if (!trainSet) {
    setup = `${folds}-fold cross-validation on ${args.data} (${data.length} questions)`;
    const onFold = (f: number) => process.stderr.write(`fold ${f + 1}/${folds}…\n`);
    if (nested) {
      setup += `, each preset's λ chosen on its training folds by ${innerFolds}-fold cross-validation`;
      ({ results, chosen: chosenLambdas } = await nestedCrossValidate(data, folds, innerFolds, pool, tuned, DEFAULT_LAMBDA_GRID, opts, onFold));
      // Every preset was routed under its own name: show them all.
      named.push(...tuned.map((t) => t.policy).filter((p) => p.name !== chosen.name));
    } else results = await crossValidate(data, folds, pool, opts, onFold);
    foldSizes = kFolds(data.length, folds).map((test) => test.filter((i) => i < (limit ?? data.length)).length);
  } else {
    setup = `trained on ${args.train} (${trainSet.length}), routed ${args.data} (${data.length})`;
    results = await evaluateSplit(trainSet, data, pool, opts);
  }

  const bestSingleCost = summarize(results.get('best-single')!, 0).cost_per_query;
  const metricsOf = (name: string): Metrics => summarize(results.get(name)!, bestSingleCost);
  const routed = limit !== undefined ? `; the first ${limit} questions routed` : '';
  const aggregated = live ? `; ${live.kind} by '${args['aggregator-model']}' at ${args['aggregator-url']}` : '';
  const unlabelled = args.labels === 'none' ? "; trained without labels (experts' consensus)" : '';
  log(
    `${setup}${routed}${aggregated}${unlabelled}; votes on ${source === 'pred' ? 'recorded preds' : 'choices extracted from answer texts'}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  log('');
  log(`${'router'.padEnd(24)} ${'accuracy'.padStart(8)} ${'$/1k q'.padStart(8)} ${'vs best'.padStart(8)} ${'experts'.padStart(8)}`);
  const row = (name: string) => {
    const m = metricsOf(name);
    log(
      `${name.padEnd(24)} ${(m.accuracy * 100).toFixed(2).padStart(7)}% ${(m.cost_per_query * 1000).toFixed(4).padStart(8)} ${m.cost_vs_best_single.toFixed(3).padStart(8)} ${m.experts_per_query.toFixed(2).padStart(8)}`,
    );
  };
  for (const p of named) row(p.name);
  log('--- baselines (chosen on the training split)');
  for (const name of ['best-single', 'vote-top3', 'vote-top5', 'agreement-cascade', 'random', 'oracle']) if (results.has(name)) row(name);
  if (sweepPolicies.length) {
    log('--- λ and budget sweeps (the frontier)');
    for (const p of sweepPolicies) row(p.name);
  }
  const agreement = extractionAgreement(results.get(chosen.name)!);
  log('');
  log(
    agreement === null
      ? 'extraction agreement: n/a (the policy does not vote)'
      : `extraction agreement: the answer extracted from the text equals the recorded pred for ${(agreement * 100).toFixed(2)}% of the voters' answers (npm run eval:extraction: per category)`,
  );
  for (const p of named) {
    const spread = foldSpread(results, foldSizes, p.name);
    if (spread) log(`fold spread of ${p.name}: accuracy ${spread.accuracy}, cost vs best single ${spread.cost}`);
  }
  for (const name of new Set(ladderChoices.flat().map((c) => c.policy)))
    log(
      `agreement ladder for ${name} per training split: ${ladderChoices
        .map((cs) => {
          const c = cs.find((x) => x.policy === name)!;
          const at = (p: { accuracy: number; cost: number }) => `${(p.accuracy * 100).toFixed(2)}% at ${p.cost.toFixed(3)}×`;
          return `${c.ladder ? 'ladder' : 'cascade'} (inner: ladder ${at(c.agreement)}, cascade ${at(c.cascade)})`;
        })
        .join('; ')}`,
    );
  for (const t of tuned)
    log(
      `λ chosen for ${t.policy.name} (budget ${t.budget}× best single) per fold: ${chosenLambdas
        .map((c) => {
          const x = c.get(t.policy.name)!;
          return `${x.lambda} (inner ${(x.accuracy * 100).toFixed(2)}% at ${x.cost.toFixed(3)}×)`;
        })
        .join(', ')}`,
    );

  if (sweepPolicies.length && args.svg) {
    const point = (label: string, name = label): PlotPoint => ({ label, metrics: metricsOf(name) });
    const svg = frontierSvg({
      title: `Cost vs accuracy — ${setup.split(' (')[0]}`,
      sweeps: [
        ...SWEPT.map((s) => ({ label: `${s.label}, λ swept`, colour: s.colour, points: lambdas.map((l) => point(`${s.label} λ=${l}`)) })),
        ...(budgets.length
          ? [{ label: `${LADDER_SWEEP.label}, budget swept`, colour: LADDER_SWEEP.colour, points: budgets.map((b) => point(ladderAt(b).name)) }]
          : []),
      ],
      points: [
        ...named.map((p) => point(p.name)),
        ...['best-single', 'vote-top3', 'vote-top5', 'agreement-cascade', 'random', 'oracle'].filter((n) => results.has(n)).map((n) => point(n)),
      ],
    });
    mkdirSync(dirname(args.svg), { recursive: true });
    writeFileSync(args.svg, svg);
    log(`frontier plot: ${args.svg}`);
  }
  const m = metricsOf(chosen.name);
  if (args.json)
    log(
      JSON.stringify({
        policy: chosen.name,
        accuracy: round(m.accuracy),
        cost_per_query: round(m.cost_per_query, 8),
        cost_vs_best_single: round(m.cost_vs_best_single),
        experts_per_query: round(m.experts_per_query),
        extraction_agreement: agreement === null ? null : round(agreement),
        ...(nested ? { lambdas: chosenLambdas.map((c) => c.get(chosen.name)!.lambda) } : {}),
      }),
    );
}

/** Min–max over the folds of the policy's accuracy and its cost against that fold's best single model. */
function foldSpread(results: ResultsByRouter, sizes: readonly number[], name: string): { accuracy: string; cost: string } | null {
  if (sizes.length < 2) return null;
  const folds: Metrics[] = [];
  let at = 0;
  for (const size of sizes) {
    const slice = (router: string) => results.get(router)!.slice(at, at + size);
    folds.push(summarize(slice(name), summarize(slice('best-single'), 0).cost_per_query));
    at += size;
  }
  const range = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
  return {
    accuracy: range(
      folds.map((m) => m.accuracy),
      (x) => `${(x * 100).toFixed(1)}%`,
    ),
    cost: range(
      folds.map((m) => m.cost_vs_best_single),
      (x) => `${x.toFixed(2)}×`,
    ),
  };
}

// An expert's failure is its message; anything else is a bug and keeps its stack.
main().catch((e: unknown) => fail(isConclaveError(e) || e instanceof DataFileError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)));
