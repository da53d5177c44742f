import type { Capability } from '../router/capabilities';
import type { ExpertParamName } from '../router/params';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertProfile, ExpertStream, Usage } from '../router/types';
import type { ReplayStore } from './replay';

/**
 * One adapter per provider kind. An adapter makes a single attempt (retries, breakers and
 * recording live in the gateway's caller) and reports text, usage, cost and latency, or throws an
 * ExpertCallError that says whether the expert or the gateway failed.
 */
export interface ExpertAdapter {
  complete(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer>;
  stream(expert: ExpertProfile, messages: ChatMessage[], opts: CallOptions): ExpertStream;
  /** Embeddings, for kinds whose protocol has them. */
  embed?(expert: ExpertProfile, input: string[], opts: { signal?: AbortSignal; dimensions?: number }): Promise<EmbeddingAnswer>;
}

export interface EmbeddingAnswer {
  vectors: number[][];
  usage: Usage;
  costUsd: number;
  latencyMs: number;
}

/** What every adapter is built from: the Worker's secrets and its replay store. */
export interface AdapterDeps {
  secret: (name: string) => string | undefined;
  replay: ReplayStore;
  fetch?: typeof fetch;
}

/**
 * A provider kind, described once: admin validation, the dashboard's form, the caller and the
 * capability checks all read this.
 */
export interface ProviderSpec {
  label: string;
  /** What `endpoint_url` means for this kind (shown in the dashboard). */
  endpointHint: string;
  endpoint: 'required' | 'optional' | 'none';
  /**
   * The Worker secret holding the provider's key when an expert names no `api_key_secret` of its
   * own: needed without an endpoint URL; `always` also sends it to a custom endpoint.
   */
  secret: { name: string; use: 'without_endpoint' | 'always' } | null;
  /** Other secret names this provider documents, which an expert's `api_key_secret` may name. */
  keyNames?: readonly string[];
  /** What the protocol can carry; an expert's own flags must be among these. */
  capabilities: readonly Capability[];
  /** Request fields the protocol has; the others are dropped for its experts, and the route says so. */
  params: readonly ExpertParamName[];
  embeddings: boolean;
  create(spec: ProviderSpec, deps: AdapterDeps): ExpertAdapter;
}
