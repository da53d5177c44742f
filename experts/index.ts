export { createAdapters, expertKeyProblem, isExpertSecretName, PROVIDER_KINDS, PROVIDERS, providerSpec, type ProviderKind } from './providers';
export { reachProblem, type ExpertReach, type ReachProblem } from './reach';
export type { AdapterDeps, EmbeddingAnswer, ExpertAdapter, ProviderSpec } from './types';
export type { ReplayStore } from './replay';
export { DEFAULT_DOH_URL, dohResolver, ResolverError, type Resolution, type ResolveHost } from './doh';
export { namedHosts, resolutionProblem, resolvedReachProblem, type NamedHost } from './resolved-reach';
