import type { z } from 'zod';
import { InvalidRequestError, NotFoundError } from '../../router/errors';
import { resolvePolicy, routingOverrideSchema, type RoutingOverride, type RoutingPolicy } from '../../router/policy';
import { BALANCED, PRESETS } from '../../router/presets';
import { parseWith } from '../http/validation';
import type { Registry } from './registry';

/** A saved policy's config: a routing override that must name its strategy and aggregation. */
export const savedPolicyConfigSchema = routingOverrideSchema.required({ strategy: true, aggregate: true });

/**
 * Policies that exist without a D1 row; a saved policy of the same name replaces one. `auto`, the
 * default, is the balanced preset: the middle of the measured cost-accuracy frontier. A Map, so a
 * name such as `constructor` or `__proto__` is just a name, never an inherited property.
 */
export const BUILTIN_POLICIES: ReadonlyMap<string, RoutingPolicy> = new Map([['auto', { ...BALANCED, name: 'auto' }], ...PRESETS]);

/**
 * `model` names a saved policy, a built-in one, or one expert id (routed alone with `fixed`).
 * Precedence of the knobs: named policy < `x-routing-policy` header < body `routing`.
 */
export function resolveRequestPolicy(registry: Registry, model: string, header: RoutingOverride | undefined, body: RoutingOverride | undefined): RoutingPolicy {
  return resolvePolicy(namedPolicy(registry, model), header, body);
}

/** The policy `model` names, before any per-request knob. */
export function namedPolicy(registry: Registry, model: string): RoutingPolicy {
  const row = registry.policies.get(model);
  if (row) {
    const config = parseWith(savedPolicyConfigSchema, row.config, `policy '${model}'`);
    return { ...config, name: model };
  }
  const builtin = BUILTIN_POLICIES.get(model);
  if (builtin) return builtin;
  if (registry.experts.some((e) => e.id === model)) return { name: model, strategy: 'fixed', experts: [model], aggregate: 'first' };
  throw new NotFoundError('model', model, `model '${model}' is neither a routing policy nor an expert id; GET /v1/models lists both`, 'model_not_found');
}

/** The `x-routing-policy` header: the same JSON as the body's `routing` field. */
export function parsePolicyHeader(value: string | undefined): RoutingOverride | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new InvalidRequestError('header x-routing-policy is not valid JSON', 'invalid_policy_header', 'x-routing-policy');
  }
  return parseWith(routingOverrideSchema, raw, 'x-routing-policy');
}

export type SavedPolicyConfig = z.infer<typeof savedPolicyConfigSchema>;
