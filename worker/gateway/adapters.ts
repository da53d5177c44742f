import { createAdapters, expertKeyProblem, isExpertSecretName, type ExpertAdapter, type ResolveHost } from '../../experts';
import type { ExpertProfile } from '../../router/types';
import { allowsPrivateEndpoints, type Env } from '../env';
import { RecordingCaller } from './caller';
import { containerFetch } from './container-fetch';
import { endpointResolver } from './endpoint-resolver';
import { assetReplayStore } from './replay-store';

/** The adapters the gateway calls experts through, wired to this Worker's secrets and replay assets. */
export function gatewayAdapters(env: Env, fetcher: typeof fetch = containerFetch(env)): Record<string, ExpertAdapter> {
  return createAdapters({ secret: expertSecret(env), replay: assetReplayStore(env.REPLAY), fetch: fetcher });
}

/** A secret an expert's call may carry: only those meant for experts, never the gateway's own (ADMIN_TOKEN, …). */
function expertSecret(env: Env): (name: string) => string | undefined {
  return (name) => (isExpertSecretName(name) && typeof env[name] === 'string' ? (env[name] as string) : undefined);
}

/** The fetch and adapters wired to an env, made once: they keep nothing of a request (secrets are read per call). */
const wired = new WeakMap<
  Env,
  { fetcher: typeof fetch; adapters: Record<string, ExpertAdapter>; resolveHost: ResolveHost | null; keyProblem: (expert: ExpertProfile) => string | null }
>();

/** A request's caller: calls, replicas' health checks and Container endpoints all through one fetch. */
export function gatewayCaller(env: Env, experts: readonly ExpertProfile[]): RecordingCaller {
  let wiring = wired.get(env);
  if (!wiring) {
    const fetcher = containerFetch(env);
    const secret = expertSecret(env);
    wiring = {
      fetcher,
      adapters: gatewayAdapters(env, fetcher),
      resolveHost: endpointResolver(env),
      keyProblem: (expert) => expertKeyProblem(expert, secret),
    };
    wired.set(env, wiring);
  }
  return new RecordingCaller(experts, wiring.adapters, {
    fetch: wiring.fetcher,
    allowPrivateEndpoints: allowsPrivateEndpoints(env),
    keyProblem: wiring.keyProblem,
    ...(wiring.resolveHost ? { resolveHost: wiring.resolveHost } : {}),
  });
}
