import { createHfAdapter } from '../../experts/hf';
import { ExpertCallError } from '../../router/errors';
import type { ExpertCaller, ExpertProfile } from '../../router/types';
import { DEFAULT_RETRY, retryDelay, sleep } from '../../worker/resilience/retry';

// One OpenAI-compatible endpoint (vLLM, TGI, the GPU service, a hosted API) as an ExpertCaller for
// Node scripts: the same adapter and retry rule the gateway uses, without its breakers and history.
// Streams are served from one complete call: a script needs the whole answer, and a failed call is
// then simply retried.

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
  const adapter = createHfAdapter({ secret: (name) => process.env[name] });
  const known = (id: string) => {
    if (id !== LIVE_EXPERT_ID) throw new ExpertCallError(id, `only '${LIVE_EXPERT_ID}' can be called here`, { source: 'gateway', kind: 'config' });
    return profile;
  };
  const complete: ExpertCaller['complete'] = async (id, messages, opts) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await adapter.complete(known(id), messages, opts);
      } catch (e) {
        // An idle keep-alive connection the server closed fails once with a network error.
        const delay = retryDelay(e, attempt, DEFAULT_RETRY);
        if (delay === null) throw e;
        await sleep(delay, opts.signal);
      }
    }
  };
  return {
    complete,
    stream(id, messages, opts) {
      const done = complete(id, messages, opts);
      return { deltas: (async function* () { yield (await done).text; })(), done };
    },
  };
}
