import { PermissionError } from '../../router/errors';
import { namedExperts, type RoutingOverride, type RoutingPolicy } from '../../router/policy';
import type { ExpertProfile } from '../../router/types';
import type { ApiKeyRow } from '../db/keys';
import { namedPolicy, resolveRequestPolicy } from '../gateway/policies';
import type { Registry } from '../gateway/registry';

// A key's scope (allowed_policies, allowed_experts) holds whichever way a request picks a policy or
// an expert: `model`, the `routing` body field, the `x-routing-policy` header, a saved policy's
// experts, aggregator and fallback. Automatic choices (strategies, aggregator, extractor) draw from
// the eligible experts, which `allow` confines to the key's; the request's caller only knows those.

/** Knobs a policy-scoped key may still send: each can only narrow what the named policy does. */
const NARROWING_KNOBS = ['allow', 'deny', 'max_cost_usd', 'timeout_ms'] as const;

/** The request's policy under its key's scope; a refusal (403) names what the key may not use. */
export function resolveScopedPolicy(
  key: ApiKeyRow | null,
  registry: Registry,
  model: string,
  header: RoutingOverride | undefined,
  body: RoutingOverride | undefined,
): RoutingPolicy {
  if (!key) return resolveRequestPolicy(registry, model, header, body);
  if (!key.allowedPolicies) return withinExperts(key, resolveRequestPolicy(registry, model, header, body));
  checkPolicy(key, model);
  const narrowed = [narrowingOnly(key, 'x-routing-policy', header), narrowingOnly(key, 'routing', body)].reduce(narrow, namedPolicy(registry, model));
  return withinExperts(key, narrowed);
}

/** A policy built by the route itself (embeddings: one expert), checked against the key's scope. */
export function applyKeyScope(key: ApiKeyRow, model: string, policy: RoutingPolicy): RoutingPolicy {
  if (key.allowedPolicies) checkPolicy(key, model);
  return withinExperts(key, policy);
}

/** The registry as a key's request sees it: experts outside its scope do not exist for it. */
export function expertsInScope(key: ApiKeyRow | null, experts: readonly ExpertProfile[]): readonly ExpertProfile[] {
  if (!key?.allowedExperts) return experts;
  const allowed = new Set(key.allowedExperts);
  return experts.filter((e) => allowed.has(e.id));
}

function checkPolicy(key: ApiKeyRow, model: string): void {
  if (!key.allowedPolicies!.includes(model)) {
    throw new PermissionError(`key '${key.name}' may not use '${model}'; allowed: ${key.allowedPolicies!.join(', ')}`, 'model');
  }
}

function narrowingOnly(key: ApiKeyRow, where: string, o: RoutingOverride | undefined): RoutingOverride {
  const widening = Object.keys(o ?? {}).filter((k) => !(NARROWING_KNOBS as readonly string[]).includes(k));
  if (widening.length) {
    throw new PermissionError(
      `key '${key.name}' may use only the policies ${key.allowedPolicies!.join(', ')} as they are: ${where} may narrow them (${NARROWING_KNOBS.join(', ')}) but not set ${widening.join(', ')}`,
      `${where}.${widening[0]}`,
    );
  }
  return o ?? {};
}

/** Applies a narrowing override so it can only narrow: allow intersects, deny adds, caps take the lower. */
function narrow(policy: RoutingPolicy, o: RoutingOverride): RoutingPolicy {
  const lower = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  const out: RoutingPolicy = { ...policy };
  if (o.allow) out.allow = policy.allow ? o.allow.filter((id) => policy.allow!.includes(id)) : o.allow;
  if (o.deny) out.deny = [...new Set([...(policy.deny ?? []), ...o.deny])];
  const cap = lower(policy.max_cost_usd, o.max_cost_usd);
  if (cap !== undefined) out.max_cost_usd = cap;
  const timeout = lower(policy.timeout_ms, o.timeout_ms);
  if (timeout !== undefined) out.timeout_ms = timeout;
  return out;
}

/** Refuses a named expert outside the key's experts and confines the rest of routing to them. */
function withinExperts(key: ApiKeyRow, policy: RoutingPolicy): RoutingPolicy {
  if (!key.allowedExperts) return policy;
  const allowed = new Set(key.allowedExperts);
  const outside = [...new Set(namedExperts(policy).filter((id) => !allowed.has(id)))];
  if (outside.length)
    throw new PermissionError(
      `key '${key.name}' may not use expert(s) ${outside.join(', ')}; allowed: ${key.allowedExperts.join(', ')}`,
      paramOf(policy, outside[0]!),
    );
  return { ...policy, allow: policy.allow ? policy.allow.filter((id) => allowed.has(id)) : [...allowed] };
}

function paramOf(policy: RoutingPolicy, id: string): string {
  if (policy.experts?.includes(id)) return 'routing.experts';
  return policy.aggregator === id ? 'routing.aggregator' : 'routing.fallback';
}
