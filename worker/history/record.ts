import type { ToolCall } from '../../router/params';
import type { CallRole, FinishReason, Usage } from '../../router/types';

/** One expert call as the gateway saw it, for `routing` and for route_calls. */
export interface CallRecord {
  expertId: string;
  role: CallRole;
  stage: number;
  status: 'ok' | 'error' | 'timeout' | 'cancelled';
  startedAt: number;
  latencyMs: number;
  usage: Usage;
  costUsd: number;
  attempts: number;
  text: string | null;
  error: { message: string; source: string; upstreamStatus: number } | null;
  /** As the expert reported it, for a call that answered. */
  finishReason?: FinishReason;
  toolCalls?: ToolCall[];
  /** Request fields the expert's protocol has no place for, so they were not sent. */
  droppedParams?: string[];
}

/** The strategy recorded for a route whose request was refused before it resolved a policy. */
export const UNRESOLVED_STRATEGY = 'none';

/** Everything written for one request: the route row and its calls. */
export interface RouteRecord {
  id: string;
  createdAt: number;
  apiKeyId: string | null;
  model: string;
  policy: string;
  strategy: string;
  aggregation: string;
  policyJson: Record<string, unknown>;
  prompt: string;
  messages: unknown[];
  response: string | null;
  stream: boolean;
  status: 'ok' | 'error';
  httpStatus: number;
  error: { code: string; message: string; source: string } | null;
  latencyMs: number;
  ttftMs: number | null;
  usage: Usage;
  costUsd: number;
  decision: Record<string, unknown> | null;
  aggregationDetail: Record<string, unknown> | null;
  calls: CallRecord[];
  /** Whether the exact-match response cache answered (`hit`) or was consulted in vain (`miss`). */
  cache?: 'hit' | 'miss' | null;
}
