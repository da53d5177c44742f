import type { ProviderKind } from '../router/types';
import { createHfAdapter, type HfAdapterDeps } from './hf';
import { createReplayAdapter, type ReplayStore } from './replay';
import type { ExpertAdapter } from './types';

export type { ExpertAdapter } from './types';
export type { ReplayStore } from './replay';

/** Provider kind → adapter. `openai` endpoints go through the HF client with their endpointUrl. */
export function createAdapters(deps: HfAdapterDeps & { replay: ReplayStore }): Record<ProviderKind, ExpertAdapter> {
  const hf = createHfAdapter(deps);
  return { hf, openai: hf, replay: createReplayAdapter(deps.replay) };
}
