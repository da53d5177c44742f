import type { z } from 'zod';
import { routingOverrideSchema, type RoutingOverride } from '../../router/policy';
import { listOf, numberOf, textOf, valuesOf, type FormValues } from './forms';

// The policy form's fields, derived from the routing schema itself: every knob a policy can hold is
// editable, with the control its type calls for. A new knob needs only its label here (the Record
// type makes a missing one a compile error).

export type KnobName = keyof RoutingOverride;
export type KnobGroup = 'choose' | 'combine' | 'limits';

interface KnobText {
  label: string;
  hint?: string;
  group: KnobGroup;
  /** Expert lists: ticked boxes (a set), or typed in order (`fixed` calls them in that order). */
  ordered?: boolean;
}

export const KNOB_TEXT: Record<KnobName, KnobText> = {
  strategy: { label: 'Strategy', group: 'choose' },
  k: { label: 'k (experts to call)', hint: "Empty: the strategy's default.", group: 'choose' },
  experts: { label: 'Experts to call, in order (strategy fixed)', hint: 'Comma-separated ids.', group: 'choose', ordered: true },
  allow: { label: 'Allowed experts (none ticked: all)', group: 'choose' },
  deny: { label: 'Denied experts', group: 'choose' },
  lambda: {
    label: 'λ, cost weight',
    hint: 'Utility P(correct) − λ·cost, cost relative to one query to the most accurate expert (learned, cascade, bandit): 0.1 asks a call as dear as that one to buy 10 points of P.',
    group: 'choose',
  },
  cost_budget: {
    label: 'Cost budget (agreement ladder)',
    hint: 'Mean cost per request, relative to one query to the most accurate expert: the most accurate trained ladder within it runs.',
    group: 'choose',
  },
  sample: { label: 'Sample by score', hint: 'Instead of the deterministic top k.', group: 'choose' },
  extractor: { label: 'Skill extractor (strategy skill)', group: 'choose' },
  aggregate: { label: 'Aggregation', group: 'combine' },
  aggregator: { label: 'Aggregator expert', hint: 'Synthesizes or judges.', group: 'combine' },
  quorum: { label: 'Quorum (answers needed)', group: 'combine' },
  fallback: { label: 'Fallback expert', hint: 'Called alone when fewer than the quorum answer.', group: 'combine' },
  rounds: { label: 'Rounds (aggregation layers)', group: 'combine' },
  stop_on: { label: 'Cascade stops on', hint: 'vote: the answers so far; stacked: the stacked vote.', group: 'combine' },
  max_cost_usd: { label: 'Cost cap per request (USD)', hint: 'Empty: no cap.', group: 'limits' },
  timeout_ms: { label: 'Deadline per request (ms)', group: 'limits' },
  hedge_ms: { label: 'Hedge after (ms)', hint: 'Start the next-ranked expert too when the first is this slow.', group: 'limits' },
};

export type KnobControl =
  | { kind: 'select'; options: readonly string[] }
  | { kind: 'number'; integer: boolean }
  | { kind: 'boolean' }
  | { kind: 'expert' }
  | { kind: 'experts'; ordered: boolean };

export interface Knob extends KnobText {
  name: KnobName;
  control: KnobControl;
}

function controlOf(name: KnobName, field: z.ZodType): KnobControl {
  const inner = (field as z.ZodOptional<z.ZodType>).unwrap();
  const type = inner._zod.def.type;
  if (type === 'enum') return { kind: 'select', options: (inner as z.ZodEnum).options as string[] };
  if (type === 'number') return { kind: 'number', integer: (inner as z.ZodNumber).isInt };
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'string') return { kind: 'expert' };
  if (type === 'array') return { kind: 'experts', ordered: KNOB_TEXT[name].ordered === true };
  throw new Error(`routing knob '${name}' has a type (${type}) the policy form cannot edit`);
}

/** Every routing knob, in the order of the schema. */
export const KNOBS: readonly Knob[] = Object.entries(routingOverrideSchema.shape).map(([name, field]) => ({
  name: name as KnobName,
  ...KNOB_TEXT[name as KnobName],
  control: controlOf(name as KnobName, field as z.ZodType),
}));

/** A knob's value as the form shows it: text, or the ticked ids. */
export type KnobValues = Partial<Record<KnobName, string | string[]>>;

export function knobValuesOf(config: Record<string, unknown>): KnobValues {
  const out: KnobValues = {};
  for (const k of KNOBS) {
    const v = config[k.name];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out[k.name] = k.control.kind === 'experts' && k.control.ordered ? v.map(String).join(', ') : v.map(String);
    else out[k.name] = String(v);
  }
  return out;
}

export function knobValuesFromPost(f: FormValues): KnobValues {
  return Object.fromEntries(KNOBS.map((k) => [k.name, k.control.kind === 'experts' && !k.control.ordered ? valuesOf(f, k.name) : textOf(f, k.name)]));
}

/** The posted form as a policy config: an empty field leaves its knob unset (the default). */
export function configFromPost(f: FormValues): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const k of KNOBS) {
    const c = k.control;
    const value =
      c.kind === 'number'
        ? numberOf(f, k.name)
        : c.kind === 'boolean'
          ? ({ true: true, false: false } as Record<string, boolean>)[textOf(f, k.name)]
          : c.kind === 'experts'
            ? c.ordered
              ? listOf(f, k.name)
              : valuesOf(f, k.name)
            : textOf(f, k.name) || undefined;
    // No box ticked means no restriction, not "no expert".
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) config[k.name] = value;
  }
  return config;
}
