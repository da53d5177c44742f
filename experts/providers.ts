import { CAPABILITIES } from '../router/capabilities';
import type { ExpertParamName } from '../router/params';
import type { ExpertProfile } from '../router/types';
import { createAnthropicAdapter } from './anthropic';
import { createHfAdapter } from './hf';
import { createOpenAiAdapter } from './openai';
import { createReplayAdapter } from './replay';
import { missingKey } from './secrets';
import type { AdapterDeps, ExpertAdapter, ProviderSpec } from './types';

// The provider registry: adding a provider is one entry here (and its adapter). Admin validation,
// the dashboard's expert form, the gateway's caller and the capability checks are derived from it.

/** Every request field the OpenAI protocol has. */
const OPENAI_PARAMS: readonly ExpertParamName[] = [
  'max_completion_tokens',
  'stop',
  'seed',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'user',
  'n',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
];

export const PROVIDERS = {
  openai: {
    label: 'OpenAI-compatible endpoint',
    endpointHint: 'The server’s base URL (vLLM, TGI, llama.cpp, the GPU service, api.openai.com); required.',
    endpoint: 'required',
    secret: null,
    keyNames: ['OPENAI_API_KEY'],
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

/** Why this expert's calls cannot carry the key they need now, or null (an unknown provider is the caller's to report). */
export function expertKeyProblem(expert: ExpertProfile, secret: AdapterDeps['secret']): string | null {
  const spec = providerSpec(expert.provider);
  return spec ? missingKey(spec, expert, secret) : null;
}

/** Provider kind → adapter, built over this Worker's secrets and replay store. */
export function createAdapters(deps: AdapterDeps): Record<string, ExpertAdapter> {
  return Object.fromEntries(PROVIDER_KINDS.map((kind) => [kind, (PROVIDERS[kind] as ProviderSpec).create(PROVIDERS[kind], deps)]));
}

/** Besides the providers' own names, secrets an expert may name start with this. */
export const EXPERT_SECRET_PREFIX = 'EXPERT_';

/** Secret names the providers document (HF_TOKEN, ANTHROPIC_API_KEY, OPENAI_API_KEY). */
const PROVIDER_SECRET_NAMES: ReadonlySet<string> = new Set(
  Object.values(PROVIDERS as Record<string, ProviderSpec>).flatMap((p) => [...(p.secret ? [p.secret.name] : []), ...(p.keyNames ?? [])]),
);

/**
 * Whether an expert may name this secret as its API key: an EXPERT_* secret or a provider's own,
 * never the gateway's (ADMIN_TOKEN, ROUTE_WEBHOOK_SECRET, …), which would be sent to its endpoint.
 */
export function isExpertSecretName(name: string): boolean {
  return name.startsWith(EXPERT_SECRET_PREFIX) || PROVIDER_SECRET_NAMES.has(name);
}

/** The rule in words, for error messages. */
export const EXPERT_SECRET_RULE = `an ${EXPERT_SECRET_PREFIX}* secret or a provider's own (${[...PROVIDER_SECRET_NAMES].join(', ')})`;
