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
  const name = expert.apiKeySecret ?? (spec.secret && !(spec.secret.use === 'without_endpoint' && expert.endpointUrl) ? spec.secret.name : null);
  return name ? secret(name) : undefined;
}

/** Why a call to this expert cannot carry the key it needs (its secret is not set), or null. */
export function missingKey(spec: Pick<ProviderSpec, 'secret'>, expert: ExpertProfile, secret: SecretOf): string | null {
  if (expert.apiKeySecret) return secret(expert.apiKeySecret) ? null : `secret '${expert.apiKeySecret}' named by the expert is not set`;
  if (!spec.secret || expert.endpointUrl || secret(spec.secret.name)) return null;
  return `secret '${spec.secret.name}' is not set (npx wrangler secret put ${spec.secret.name})`;
}
