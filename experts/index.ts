export { createAdapters, isExpertSecretName, PROVIDER_KINDS, PROVIDERS, providerSpec, type ProviderKind } from './providers';
export { reachProblem, type ReachProblem } from './reach';
export type { AdapterDeps, EmbeddingAnswer, ExpertAdapter, ProviderSpec } from './types';
export type { ReplayStore } from './replay';
