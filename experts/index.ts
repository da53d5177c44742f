export { createAdapters, PROVIDER_KINDS, PROVIDERS, providerSpec, type ProviderKind } from './providers';
export type { AdapterDeps, EmbeddingAnswer, ExpertAdapter, ProviderSpec } from './types';
export type { ReplayStore } from './replay';
