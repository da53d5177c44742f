import { CAPABILITIES } from '../router/capabilities';
import type { ExpertParamName } from '../router/params';
import { createAnthropicAdapter } from './anthropic';
import { createHfAdapter } from './hf';
import { createOpenAiAdapter } from './openai';
import { createReplayAdapter } from './replay';
import type { AdapterDeps, ExpertAdapter, ProviderSpec } from './types';

// The provider registry: adding a provider is one entry here (and its adapter). Admin validation,
// the dashboard's expert form, the gateway's caller and the capability checks are derived from it.

/** Every request field the OpenAI protocol has. */
const OPENAI_PARAMS: readonly ExpertParamName[] = [
  'max_completion_tokens', 'stop', 'seed', 'top_p', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'user', 'n',
  'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'reasoning_effort',
];

export const PROVIDERS = {
  openai: {
    label: 'OpenAI-compatible endpoint',
    endpointHint: 'The server’s base URL (vLLM, TGI, llama.cpp, the GPU service, api.openai.com); required.',
    endpoint: 'required',
    secret: null,
    capabilities: CAPABILITIES,
    params: OPENAI_PARAMS,
    embeddings: true,
    create: createOpenAiAdapter,
  },
  hf: {
    label: 'Hugging Face Inference Providers',
    endpointHint: 'Empty for Inference Providers (HF_TOKEN); a TGI endpoint URL otherwise.',
    endpoint: 'optional',
    secret: { name: 'HF_TOKEN', use: 'without_endpoint' },
    capabilities: CAPABILITIES,
    params: OPENAI_PARAMS,
    embeddings: false,
    create: createHfAdapter,
  },
  anthropic: {
    label: 'Anthropic Messages API',
    endpointHint: 'Empty for api.anthropic.com (ANTHROPIC_API_KEY); a compatible server’s base URL otherwise.',
    endpoint: 'optional',
    secret: { name: 'ANTHROPIC_API_KEY', use: 'always' },
    capabilities: ['tools', 'images'],
    params: ['stop', 'top_p', 'user', 'tools', 'tool_choice', 'parallel_tool_calls'],
    embeddings: false,
    create: createAnthropicAdapter,
  },
  replay: {
    label: 'Replay (recorded answers)',
    endpointHint: 'None: answers are the recorded MMLU-Pro answers of the model named.',
    endpoint: 'none',
    secret: null,
    capabilities: [],
    params: [],
    embeddings: false,
    create: (_spec, deps) => createReplayAdapter(deps.replay),
  },
} as const satisfies Record<string, ProviderSpec>;

export type ProviderKind = keyof typeof PROVIDERS;

export const PROVIDER_KINDS = Object.keys(PROVIDERS) as [ProviderKind, ...ProviderKind[]];

export function providerSpec(kind: string): ProviderSpec | undefined {
  return (PROVIDERS as Record<string, ProviderSpec>)[kind];
}

/** Provider kind → adapter, built over this Worker's secrets and replay store. */
export function createAdapters(deps: AdapterDeps): Record<string, ExpertAdapter> {
  return Object.fromEntries(PROVIDER_KINDS.map((kind) => [kind, (PROVIDERS[kind] as ProviderSpec).create(PROVIDERS[kind], deps)]));
}
