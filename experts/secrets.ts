import { ExpertCallError } from '../router/errors';
import type { ExpertProfile } from '../router/types';
import type { ProviderSpec } from './types';

type SecretOf = (name: string) => string | undefined;

/**
 * The API key a call sends: the expert's own secret when it names one, else the provider's
 * (required where the expert has no endpoint of its own). Undefined when none applies.
 */
export function apiKeyOf(spec: Pick<ProviderSpec, 'secret'>, expert: ExpertProfile, secret: SecretOf): string | undefined {
  const missing = missingKey(spec, expert, secret);
  if (missing) throw new ExpertCallError(expert.id, missing, { source: 'gateway', kind: 'config' });
  const key = keySecret(spec, expert);
  return key ? secret(key.name) : undefined;
}

/** Why a call to this expert cannot carry the key it needs (its secret is not set), or null. */
export function missingKey(spec: Pick<ProviderSpec, 'secret'>, expert: ExpertProfile, secret: SecretOf): string | null {
  const key = keySecret(spec, expert);
  if (!key?.required || secret(key.name)) return null;
  return expert.apiKeySecret ? `secret '${key.name}' named by the expert is not set` : `secret '${key.name}' is not set (npx wrangler secret put ${key.name})`;
}

/** The secret a call to this expert sends, and whether the call cannot go without it; null when it sends none. */
function keySecret(spec: Pick<ProviderSpec, 'secret'>, expert: ExpertProfile): { name: string; required: boolean } | null {
  if (expert.apiKeySecret) return { name: expert.apiKeySecret, required: true };
  if (!spec.secret || (spec.secret.use === 'without_endpoint' && expert.endpointUrl)) return null;
  return { name: spec.secret.name, required: !expert.endpointUrl };
}
