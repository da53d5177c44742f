// The contract between the gateway (worker/), the router (this folder) and the expert adapters
// (experts/). Pure types: no Workers or Node imports, so the router runs in both.

import type { Capability } from './capabilities';
import type { ExpertParams, StreamDelta, ToolCall } from './params';
import type { AggregationName, RoutingPolicy } from './policy';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** One part of a message's content: text, or an image by URL (`data:` URLs included). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface ChatMessage {
  role: ChatRole;
  /** The message's text: what routers, replay and aggregators read. */
  content: string;
  /** The content in order with its images, when it has any (adapters send these instead of `content`). */
  parts?: ContentPart[];
  /** An assistant turn's function calls. */
  toolCalls?: ToolCall[];
  /** A `tool` turn: the id of the call it answers. */
  toolCallId?: string;
}

/** What the router knows about one expert: a registry row without secrets. */
export interface ExpertProfile {
  id: string;
  /** A kind in the provider registry (experts/providers.ts). */
  provider: string;
  /** Model id at the provider (for `replay`: the model name in the recorded data). */
  model: string;
  /** Custom OpenAI-compatible / TGI endpoint; null for the provider's default. */
  endpointUrl: string | null;
  /** More endpoints serving the same model (replicas of endpointUrl); the gateway balances across them all. */
  replicaUrls?: string[];
  /** Name of the secret holding the endpoint's API key, when it needs one. */
  apiKeySecret: string | null;
  /** USD per million tokens. */
  inputPricePerMTok: number;
  outputPricePerMTok: number;
  skills: string[];
  tags: string[];
  enabled: boolean;
  /** What the expert supports beyond plain text (tools, JSON output, images, …); none when absent. */
  capabilities?: Capability[];
  /** `embedding` experts serve /v1/embeddings only and are never routed chat; `chat` when absent. */
  task?: 'chat' | 'embedding';
  /** A demo expert (random weights, a toy): routing uses it only where the policy names it (router/eligibility.ts). */
  demo?: boolean;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** Why an expert stopped, as it reported it (OpenAI's names: `stop`, `length`, `tool_calls`, `content_filter`). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A successful call of one expert. */
export interface ExpertAnswer {
  expertId: string;
  text: string;
  usage: Usage;
  costUsd: number;
  latencyMs: number;
  /** As the expert reported it; `stop` when it reported none. */
  finishReason?: FinishReason;
  /** Function calls the expert asked for (only when the request offered tools). */
  toolCalls?: ToolCall[];
  /** Choices after the first, when the request asked for n > 1. */
  moreChoices?: { text: string; finishReason: FinishReason; toolCalls?: ToolCall[] }[];
}

/** Who a call was made for: an answering expert, or an aggregator / judge / skill extractor. */
export type CallRole = 'expert' | 'aggregator' | 'judge' | 'extractor';

export interface CallOptions {
  role: CallRole;
  /** Cascade stage or mixture layer the call belongs to (0 for the first). */
  stage: number;
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  /** The client's own request fields for an answering expert (its adapter sends what its protocol has). */
  params?: ExpertParams;
  /**
   * Only the call's final answer is used (no client reads its deltas as they come): a stream that
   * breaks mid-answer may be retried from the start, as one that fails before its first delta is.
   */
  restartable?: boolean;
}

/** A started streaming call: text (and tool-call) deltas as they arrive, then the whole answer. */
export interface ExpertStream {
  deltas: AsyncIterable<StreamDelta>;
  /** Resolves once the stream ends; rejects with the call's error. */
  done: Promise<ExpertAnswer>;
}

/**
 * How the router reaches experts. The gateway implements it over the adapters in experts/ and
 * records every call (role, stage, status, latency, usage, cost) itself, so whatever the router
 * or an aggregator calls is attributed in the routing history without extra bookkeeping here.
 * Both methods reject with an `ExpertCallError` (router/errors.ts) on failure.
 */
export interface ExpertCaller {
  complete(expertId: string, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer>;
  stream(expertId: string, messages: ChatMessage[], opts: CallOptions): ExpertStream;
}

/** One scored expert in a routing decision. */
export interface Candidate {
  expertId: string;
  /** Higher is better; meaning depends on the strategy (suitability, P(correct) - λ·cost, …). */
  score: number;
  /** Strategy-specific parts of the score, shown in `routing` and the dashboard preview. */
  detail?: Record<string, number | string>;
}

/**
 * What a strategy decides from the prompt alone. Stage 0 is always called; each later stage is
 * called only while `escalate` says the answers so far are not good enough (cascades). A
 * single-stage decision leaves `escalate` out.
 */
export interface RoutingDecision {
  strategy: string;
  /** Every eligible expert, scored, best first. */
  ranked: Candidate[];
  stages: Candidate[][];
  escalate?: (answersSoFar: ExpertAnswer[], stageIndex: number) => boolean;
  /**
   * The vote the stages were planned for, replacing the policy's vote kind: the agreement ladder
   * was chosen on a plain vote's answers (router/cascade/agreement-strategy.ts).
   */
  aggregate?: Extract<AggregationName, 'vote'>;
  /** Extra facts about the decision (skills extracted, λ used, …). */
  info?: Record<string, unknown>;
}

export interface RouteRequest {
  /** The last user message, the text routers look at. */
  prompt: string;
  messages: ChatMessage[];
  /** Sampling knobs the client asked for, passed to every answering expert. */
  maxTokens?: number;
  temperature?: number;
  /** The client's other request fields, passed to every answering expert. */
  params?: ExpertParams;
  /** The client reads the answer as it streams; otherwise only the final answer is sent. */
  stream?: boolean;
}

/** What a request lends its strategy: its own caller (budgeted, recorded) for LLM-assisted routing. */
export interface DecideContext {
  caller?: ExpertCaller;
  signal?: AbortSignal;
}

export interface RoutingStrategy {
  readonly name: string;
  /**
   * Decide from the prompt alone. `experts` are already filtered to the eligible ones (enabled,
   * allowed by the policy, callable as configured, circuit closed); the strategy ranks and picks among them.
   */
  decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy, context?: DecideContext): RoutingDecision | Promise<RoutingDecision>;
}

/** Per-request result of aggregation; `text` is never empty on success. */
export interface AggregationResult {
  aggregation: string;
  text: string;
  /** The expert whose answer was returned, when one was (votes, judge, first). */
  winner?: string;
  /** Votes per normalised answer, for vote kinds. */
  tally?: Record<string, number>;
  detail?: Record<string, unknown>;
}
