import { ExpertCallError } from '../router/errors';
import type { ExpertProfile } from '../router/types';
import type { ProviderSpec } from './types';

/**
 * The API key a call sends: the expert's own secret when it names one, else the provider's
 * (required where the expert has no endpoint of its own). Undefined when none applies.
 */
export function apiKeyOf(spec: Pick<ProviderSpec, 'secret'>, expert: ExpertProfile, secret: (name: string) => string | undefined): string | undefined {
  if (expert.apiKeySecret) {
    const value = secret(expert.apiKeySecret);
    if (!value) throw new ExpertCallError(expert.id, `secret '${expert.apiKeySecret}' named by the expert is not set`, { source: 'gateway', kind: 'config' });
    return value;
  }
  if (!spec.secret || (spec.secret.use === 'without_endpoint' && expert.endpointUrl)) return undefined;
  const value = secret(spec.secret.name);
  if (!value && !expert.endpointUrl)
    throw new ExpertCallError(expert.id, `secret '${spec.secret.name}' is not set (npx wrangler secret put ${spec.secret.name})`, {
      source: 'gateway',
      kind: 'config',
    });
  return value;
}
