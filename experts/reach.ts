import { privateAddressKind } from './private-address';
import { EXPERT_SECRET_RULE, isExpertSecretName } from './providers';

/** An expert as far as what it reaches goes: where it is called and which secret goes with the call. */
export interface ExpertReach {
  endpointUrl: string | null;
  replicaUrls?: readonly string[];
  apiKeySecret: string | null;
}

export interface ReachProblem {
  field: 'endpoint_url' | 'replica_urls' | 'api_key_secret';
  message: string;
}

/**
 * What an expert may not reach: an endpoint on a loopback, private, link-local or metadata address
 * (unless the deployment allows private endpoints), or a secret not meant for experts. Checked when
 * an admin registers the expert and again before every call, so a row written another way is held too.
 */
export function reachProblem(e: ExpertReach, allowPrivate: boolean): ReachProblem | null {
  if (e.apiKeySecret !== null && !isExpertSecretName(e.apiKeySecret)) {
    return { field: 'api_key_secret', message: `'${e.apiKeySecret}' is not a secret experts may use: name ${EXPERT_SECRET_RULE}` };
  }
  if (allowPrivate) return null;
  for (const [field, url] of expertUrls(e)) {
    const kind = privateAddressKind(url);
    if (kind) return { field, message: `${url} is on a ${kind} address; set ALLOW_PRIVATE_ENDPOINTS=1 where the gateway may call such endpoints` };
  }
  return null;
}

/** The URLs an expert is called at, each with the field it was given in. */
export function expertUrls(e: ExpertReach): (readonly [ReachProblem['field'], string])[] {
  return [...(e.endpointUrl ? [['endpoint_url', e.endpointUrl] as const] : []), ...(e.replicaUrls ?? []).map((u) => ['replica_urls', u] as const)];
}
