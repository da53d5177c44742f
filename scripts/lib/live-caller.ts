import { createAdapters } from '../../experts';
import type { ExpertCaller, ExpertProfile } from '../../router/types';
import { RecordingCaller } from '../../worker/gateway/caller';
import { BreakerRegistry } from '../../worker/resilience/breaker';

// One OpenAI-compatible endpoint (vLLM, TGI, the GPU service, a hosted API) as an ExpertCaller for
// Node scripts: the gateway's own caller over the same adapter, so a script gets the same
// per-attempt timeout and retries (an idle keep-alive connection the server closed fails once).

export interface LiveExpert {
  url: string;
  model: string;
  /** Name of the environment variable holding the endpoint's API key, if it needs one. */
  keyEnv?: string;
  inputPricePerMTok: number;
  outputPricePerMTok: number;
}

export const LIVE_EXPERT_ID = 'live-aggregator';

export function liveCaller(live: LiveExpert): ExpertCaller {
  const profile: ExpertProfile = {
    id: LIVE_EXPERT_ID,
    provider: 'openai',
    model: live.model,
    endpointUrl: live.url,
    apiKeySecret: live.keyEnv ?? null,
    inputPricePerMTok: live.inputPricePerMTok,
    outputPricePerMTok: live.outputPricePerMTok,
    skills: [],
    tags: [],
    enabled: true,
  };
  // No replay store: only the endpoint is ever called.
  const adapters = createAdapters({ secret: (name) => process.env[name], replay: { lookup: async () => null } });
  return new RecordingCaller([profile], adapters, { breakers: new BreakerRegistry(), operatorExperts: true });
}
