import { createAdapters, isExpertSecretName, type ExpertAdapter, type ResolveHost } from '../../experts';
import type { ExpertProfile } from '../../router/types';
import { allowsPrivateEndpoints, type Env } from '../env';
import { RecordingCaller } from './caller';
import { containerFetch } from './container-fetch';
import { endpointResolver } from './endpoint-resolver';
import { assetReplayStore } from './replay-store';

/** The adapters the gateway calls experts through, wired to this Worker's secrets and replay assets. */
export function gatewayAdapters(env: Env, fetcher: typeof fetch = containerFetch(env)): Record<string, ExpertAdapter> {
  return createAdapters({
    // Only secrets meant for experts: the gateway's own (ADMIN_TOKEN, …) never leave it.
    secret: (name) => (isExpertSecretName(name) && typeof env[name] === 'string' ? (env[name] as string) : undefined),
    replay: assetReplayStore(env.REPLAY),
    fetch: fetcher,
  });
}

/** The fetch and adapters wired to an env, made once: they keep nothing of a request (secrets are read per call). */
const wired = new WeakMap<Env, { fetcher: typeof fetch; adapters: Record<string, ExpertAdapter>; resolveHost: ResolveHost | null }>();

/** A request's caller: calls, replicas' health checks and Container endpoints all through one fetch. */
export function gatewayCaller(env: Env, experts: readonly ExpertProfile[]): RecordingCaller {
  let wiring = wired.get(env);
  if (!wiring) {
    const fetcher = containerFetch(env);
    wiring = { fetcher, adapters: gatewayAdapters(env, fetcher), resolveHost: endpointResolver(env) };
    wired.set(env, wiring);
  }
  return new RecordingCaller(experts, wiring.adapters, {
    fetch: wiring.fetcher,
    allowPrivateEndpoints: allowsPrivateEndpoints(env),
    ...(wiring.resolveHost ? { resolveHost: wiring.resolveHost } : {}),
  });
}
