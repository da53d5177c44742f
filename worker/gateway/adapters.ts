import { createAdapters, isExpertSecretName, type ExpertAdapter } from '../../experts';
import type { ExpertProfile } from '../../router/types';
import { allowsPrivateEndpoints, type Env } from '../env';
import { RecordingCaller } from './caller';
import { containerFetch } from './container-fetch';
import { assetReplayStore } from './replay-store';

/** The adapters the gateway calls experts through, wired to this Worker's secrets and replay assets. */
export function gatewayAdapters(env: Env, fetcher: typeof fetch = containerFetch(env)): Record<string, ExpertAdapter> {
  return createAdapters({
    // Only secrets meant for experts: the gateway's own (ADMIN_TOKEN, …) never leave it.
    secret: (name) => (isExpertSecretName(name) && typeof env[name] === 'string' ? (env[name] as string) : undefined),
    replay: assetReplayStore(env.ASSETS),
    fetch: fetcher,
  });
}

/** A request's caller: calls, replicas' health checks and Container endpoints all through one fetch. */
export function gatewayCaller(env: Env, experts: readonly ExpertProfile[]): RecordingCaller {
  const fetcher = containerFetch(env);
  return new RecordingCaller(experts, gatewayAdapters(env, fetcher), { fetch: fetcher, allowPrivateEndpoints: allowsPrivateEndpoints(env) });
}
