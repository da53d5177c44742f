import { PermissionError } from '../../router/errors';
import type { RoutingPolicy } from '../../router/policy';
import type { ApiKeyRow } from '../db/keys';

/** Narrows a resolved policy to what the key may use; refuses a policy the key may not name. */
export function applyKeyScope(key: ApiKeyRow, model: string, policy: RoutingPolicy): RoutingPolicy {
  if (key.allowedPolicies && !key.allowedPolicies.includes(model)) {
    throw new PermissionError(`key '${key.name}' may not use '${model}'; allowed: ${key.allowedPolicies.join(', ')}`, 'model');
  }
  if (!key.allowedExperts) return policy;
  const allowed = new Set(key.allowedExperts);
  const outside = [...(policy.experts ?? []), ...(policy.aggregator ? [policy.aggregator] : []), ...(policy.fallback ? [policy.fallback] : [])].filter((id) => !allowed.has(id));
  if (outside.length) throw new PermissionError(`key '${key.name}' may not use expert(s) ${outside.join(', ')}`, 'routing.experts');
  return { ...policy, allow: policy.allow ? policy.allow.filter((id) => allowed.has(id)) : [...allowed] };
}
