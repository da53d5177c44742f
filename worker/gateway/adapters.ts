import { createAdapters, type ExpertAdapter } from '../../experts';
import type { Env } from '../env';
import { assetReplayStore } from './replay-store';

/** The adapters the gateway calls experts through, wired to this Worker's secrets and replay assets. */
export function gatewayAdapters(env: Env): Record<string, ExpertAdapter> {
  return createAdapters({
    secret: (name) => (typeof env[name] === 'string' ? (env[name] as string) : undefined),
    replay: assetReplayStore(env.ASSETS),
  });
}
