// Typed errors that carry an HTTP status and say who failed, so the gateway can answer with an
// OpenAI-style error body and the routing history can attribute the failure.

/** Who is to blame: the caller's request, the gateway itself, or a named expert. */
export type FailureSource = 'client' | 'gateway' | 'expert';

export class ConclaveError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly source: FailureSource,
    /** OpenAI-style error `type`. */
    readonly type: string,
    /** Machine-readable code, e.g. `unknown_model`. */
    readonly code: string,
    /** Request field the error is about, when there is one. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is wrong: bad JSON, an unknown model, an invalid policy field. */
export class InvalidRequestError extends ConclaveError {
  constructor(message: string, code: string, param: string | null = null, status = 400) {
    super(message, status, 'client', 'invalid_request_error', code, param);
  }
}

export class AuthError extends ConclaveError {
  constructor(message: string, status: 401 | 403 = 401) {
    super(message, status, 'client', 'authentication_error', status === 401 ? 'invalid_api_key' : 'forbidden');
  }
}

export class NotFoundError extends ConclaveError {
  constructor(what: string, id: string, message = `${what} '${id}' not found`, code = 'not_found') {
    super(message, 404, 'client', 'invalid_request_error', code);
  }
}

/**
 * A call to one expert failed; `source` says who was at fault: the expert, the gateway, or the
 * client (asked something this expert cannot answer, like a prompt a replay expert never recorded,
 * or input the expert refused as invalid: `rejected_by_expert`).
 */
export class ExpertCallError extends ConclaveError {
  constructor(
    readonly expertId: string,
    message: string,
    options: {
      /** HTTP status the expert answered with; 0 when it never answered. */
      upstreamStatus?: number;
      source?: 'expert' | 'gateway' | 'client';
      kind?: 'http' | 'rejected_by_expert' | 'timeout' | 'network' | 'protocol' | 'not_recorded' | 'config' | 'aborted' | 'over_budget';
      retryable?: boolean;
      retryAfterMs?: number | null;
    } = {},
  ) {
    const source = options.source ?? 'expert';
    super(
      `expert '${expertId}': ${message}`,
      source === 'expert' ? 502 : source === 'client' ? 422 : 500,
      source,
      source === 'client' ? 'invalid_request_error' : 'expert_error',
      options.kind ?? 'http',
    );
    this.upstreamStatus = options.upstreamStatus ?? 0;
    this.kind = options.kind ?? 'http';
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
  readonly upstreamStatus: number;
  readonly kind: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  /** What the call cost before it failed: the output a stream delivered before it broke or was cut off. */
  costUsd = 0;
}

/** Experts the request needs are failing: their circuits are open until a probe call succeeds. */
export class CircuitOpenError extends ConclaveError {
  constructor(
    readonly expertIds: readonly string[],
    param: string | null,
    /** When the soonest of them may be called again, for Retry-After; null when unknown. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(
      `expert(s) ${expertIds.map((id) => `'${id}'`).join(', ')} failing (circuit open): retry later or choose other experts`,
      503,
      'expert',
      'expert_error',
      'circuit_open',
      param,
    );
  }
}

/**
 * Too few experts answered for the policy's quorum; carries every expert's reason. When every
 * expert failed for the client's own reason (a prompt no replay expert recorded), the client failed,
 * and when that reason is one and the same for all (`not_recorded`), it is the error's code.
 */
export class QuorumError extends ConclaveError {
  constructor(
    readonly needed: number,
    readonly reasons: { expertId: string; error: string; source: string; code?: string }[],
    /** Experts routing left out as not callable as configured (a key not set): the operator's to fix. */
    leftOut: readonly { expertId: string; error: string }[] = [],
  ) {
    const clients = reasons.length > 0 && reasons.every((r) => r.source === 'client');
    const shared = clients && reasons.every((r) => r.code !== undefined && r.code === reasons[0]!.code) ? reasons[0]!.code! : 'quorum_not_met';
    const notCalled = leftOut.length ? `; not called, as configured: ${failuresByReason(leftOut)}` : '';
    super(
      `${needed} expert answer(s) needed, fewer arrived: ${failuresByReason(reasons)}${notCalled}`,
      clients ? 422 : 502,
      clients ? 'client' : 'expert',
      clients ? 'invalid_request_error' : 'expert_error',
      shared,
    );
  }
}

/**
 * Experts that failed for the same reason share one mention of it ("a, b: prompt not recorded"),
 * so a policy over 29 experts that all missed reads as one sentence; each expert's own error
 * stays in the response's `experts` list.
 */
function failuresByReason(reasons: readonly { expertId: string; error: string }[]): string {
  const byReason = new Map<string, string[]>();
  for (const r of reasons) {
    // An expert's error already names it; here the list in front of the reason does.
    const named = `expert '${r.expertId}': `;
    const reason = r.error.startsWith(named) ? r.error.slice(named.length) : r.error;
    byReason.set(reason, [...(byReason.get(reason) ?? []), r.expertId]);
  }
  return [...byReason].map(([error, ids]) => `${ids.join(', ')}: ${error}`).join('; ');
}

export function isConclaveError(e: unknown): e is ConclaveError {
  return e instanceof ConclaveError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Too many requests for a key's requests-per-minute limit. */
export class RateLimitError extends ConclaveError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** The limiter's window, for `x-ratelimit-*` headers on the 429. */
    readonly window: { limit: number; remaining: number; resetMs: number } | null = null,
  ) {
    super(message, 429, 'client', 'rate_limit_error', 'rate_limit_exceeded');
  }
}

/** A key's daily or monthly spend budget is used up (OpenAI's `insufficient_quota`). */
export class BudgetError extends ConclaveError {
  constructor(message: string) {
    super(message, 402, 'client', 'insufficient_quota', 'budget_exceeded');
  }
}

/** The key may not use this policy or expert. */
export class PermissionError extends ConclaveError {
  constructor(message: string, param: string | null) {
    super(message, 403, 'client', 'permission_error', 'not_allowed', param);
  }
}

/** The gateway itself failed (its storage or state), not the caller and not an expert. */
export class GatewayError extends ConclaveError {
  constructor(message: string, code: string, status = 500) {
    super(message, status, 'gateway', 'server_error', code);
  }
}
