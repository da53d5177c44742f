import { providerSpec, reachProblem, type EmbeddingAnswer, type ExpertAdapter, type ResolveHost } from '../../experts';
import { abortedCallError } from '../../experts/shared';
import { ConclaveError, ExpertCallError, NotFoundError } from '../../router/errors';
import type { StreamDelta } from '../../router/params';
import { callCostUsd, tokensOf } from '../../router/cost';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertCaller, ExpertProfile, ExpertStream, Usage } from '../../router/types';
import type { CallRecord } from '../history/record';
import { breakers as isolateBreakers, type BreakerRegistry } from '../resilience/breaker';
import { DEFAULT_RETRY, retryDelay, sleep, type RetryPolicy } from '../resilience/retry';
import { nameGuard as isolateNameGuard, type NameGuard } from './name-guard';
import { replicas as isolateReplicas, replicaUrls, ReplicaBalancer, takesReplicaOut, type Replica } from './replicas';

export interface CallerOptions {
  retry?: RetryPolicy;
  /** Each attempt's own deadline, inside the request's. */
  attemptTimeoutMs?: number;
  breakers?: BreakerRegistry;
  replicas?: ReplicaBalancer;
  /** How replicas' health checks reach them: the adapters' own fetch. */
  fetch?: typeof fetch;
  /** Whether experts may be on loopback, private or link-local addresses (default: refused). */
  allowPrivateEndpoints?: boolean;
  /** Where endpoint names are resolved to be judged by their addresses; unset: names are not resolved. */
  resolveHost?: ResolveHost;
  nameGuard?: NameGuard;
  /** Experts given on the operator's own command line (scripts), not by the admin API: what they reach is not checked. */
  operatorExperts?: boolean;
  /** Why an expert's calls cannot carry the key they need (its secret is not set), or null. */
  keyProblem?: (expert: ExpertProfile) => string | null;
}

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * The gateway's ExpertCaller: resolves expert ids against the registry, calls the provider's
 * adapter with a per-attempt timeout, retries retryable failures with backoff (honouring
 * Retry-After), feeds each expert's circuit breaker, and records every call (answering experts,
 * aggregators, judges alike) with its role, stage, status, attempts, latency, usage and cost.
 */
export class RecordingCaller implements ExpertCaller {
  readonly records: CallRecord[] = [];
  private readonly byId: Map<string, ExpertProfile>;
  private readonly retry: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly breakers: BreakerRegistry;
  private readonly replicas: ReplicaBalancer;
  private readonly fetcher: typeof fetch;
  private readonly allowPrivate: boolean;
  private readonly checkReach: boolean;
  private readonly resolveHost: ResolveHost | null;
  private readonly nameGuard: NameGuard;
  private readonly keyProblem: (expert: ExpertProfile) => string | null;

  constructor(
    registry: readonly ExpertProfile[],
    private readonly adapters: Record<string, ExpertAdapter>,
    opts: CallerOptions = {},
  ) {
    this.byId = new Map(registry.map((e) => [e.id, e]));
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.breakers = opts.breakers ?? isolateBreakers;
    this.replicas = opts.replicas ?? (opts.breakers ? new ReplicaBalancer(opts.breakers) : isolateReplicas);
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
    this.allowPrivate = opts.allowPrivateEndpoints ?? false;
    this.checkReach = !opts.operatorExperts;
    this.resolveHost = this.checkReach && !this.allowPrivate ? (opts.resolveHost ?? null) : null;
    this.nameGuard = opts.nameGuard ?? isolateNameGuard;
    this.keyProblem = opts.keyProblem ?? (() => null);
  }

  /** The first expert whose streamed call produced output: who a streaming answer is coming from. */
  streamedBy: string | null = null;

  /** Whether routing may choose this expert now: its circuit (or one of its replicas') allows it. */
  readonly isHealthy = (expertId: string): boolean => {
    const expert = this.byId.get(expertId);
    return expert ? this.replicas.healthy(expert) : this.breakers.allows(expertId);
  };

  /** When the soonest of these failing experts may be called again (ms): the Retry-After of a 503 circuit_open. */
  readonly retryAfterMs = (expertIds: readonly string[]): number => {
    const now = Date.now();
    return Math.min(
      ...expertIds.map((id) => {
        const expert = this.byId.get(id);
        return expert ? this.replicas.retryInMs(expert, now) : this.breakers.retryInMs(id, now);
      }),
    );
  };

  /**
   * Why this expert cannot be called as it is configured now (disabled, an endpoint or secret it may
   * not reach, no such provider, its key not set), or null. Known before any call: routing leaves
   * such an expert out unless the request names it.
   */
  readonly configProblem = (expertId: string): string | null => {
    const expert = this.byId.get(expertId);
    return expert ? this.problemOf(expert) : null;
  };

  private problemOf(expert: ExpertProfile): string | null {
    if (!expert.enabled) return 'expert is disabled';
    const reach = this.checkReach ? reachProblem(expert, this.allowPrivate) : null;
    if (reach) return `${reach.field}: ${reach.message}`;
    if (!this.adapters[expert.provider]) return `provider '${expert.provider}' is not in the provider registry`;
    return this.keyProblem(expert);
  }

  private expert(expertId: string): { expert: ExpertProfile; adapter: ExpertAdapter } {
    const expert = this.byId.get(expertId);
    if (!expert) throw new NotFoundError('expert', expertId);
    const problem = this.problemOf(expert);
    if (problem) throw new ExpertCallError(expertId, problem, { source: 'gateway', kind: 'config' });
    return { expert, adapter: this.adapters[expert.provider]! };
  }

  /**
   * The expert and its adapter, refused when a name its URLs hold resolves to an address it may not
   * reach (where names are checked).
   */
  private async callable(expertId: string): Promise<{ expert: ExpertProfile; adapter: ExpertAdapter }> {
    const found = this.expert(expertId);
    if (this.resolveHost) {
      const problem = await this.nameGuard.check(found.expert, this.resolveHost);
      if (problem) throw new ExpertCallError(expertId, `${problem.field}: ${problem.message}`, { source: 'gateway', kind: 'config' });
    }
    return found;
  }

  complete(expertId: string, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> {
    return this.withRetries(
      expertId,
      opts,
      (expert, adapter, signal) => adapter.complete(expert, messages, { ...opts, signal }),
      (answer, startedAt, attempts) => this.recordOk(answer, opts, startedAt, attempts),
    );
  }

  /** Embeddings from an expert whose protocol has them, with the same timeouts, retries, breaker and record. */
  embed(expertId: string, input: string[], opts: { signal?: AbortSignal; dimensions?: number }): Promise<EmbeddingAnswer> {
    const callOpts: CallOptions = { role: 'expert', stage: 0, ...(opts.signal ? { signal: opts.signal } : {}) };
    return this.withRetries(
      expertId,
      callOpts,
      (expert, adapter, signal) => {
        if (!adapter.embed) throw new ExpertCallError(expertId, `provider '${expert.provider}' serves no embeddings`, { source: 'gateway', kind: 'config' });
        return adapter.embed(expert, input, { ...opts, signal });
      },
      (answer, startedAt, attempts) =>
        this.records.push({
          expertId,
          role: 'expert',
          stage: 0,
          status: 'ok',
          startedAt,
          latencyMs: answer.latencyMs,
          usage: answer.usage,
          costUsd: answer.costUsd,
          attempts,
          text: null,
          error: null,
        }),
    );
  }

  /** One call, retried while its failure is retryable and time is left; the outcome is recorded either way. */
  private async withRetries<T>(
    expertId: string,
    opts: CallOptions,
    call: (expert: ExpertProfile, adapter: ExpertAdapter, signal: AbortSignal) => Promise<T>,
    recordOk: (result: T, startedAt: number, attempts: number) => void,
  ): Promise<T> {
    const startedAt = Date.now();
    const t0 = performance.now();
    let attempt = 0;
    try {
      const { expert, adapter } = await this.callable(expertId);
      const tried = new Set<string | null>();
      for (;;) {
        attempt++;
        let slot: AttemptSlot | null = null;
        try {
          slot = await this.beginAttempt(expert, tried);
          const result = await call(onReplica(expert, slot.replica), adapter, this.attemptSignal(opts.signal));
          this.breakers.record(slot.replica.key, true);
          recordOk(result, startedAt, attempt);
          return result;
        } catch (e) {
          const replica = slot?.replica ?? null;
          const error = this.afterFailure(expert, replica, e, opts);
          const delay = opts.signal?.aborted ? null : this.retryDelay(expert, replica, tried, error, attempt);
          if (delay === null) throw error;
          await sleep(delay, opts.signal);
        } finally {
          if (slot) this.endAttempt(slot);
        }
      }
    } catch (e) {
      const error = opts.signal?.aborted && !(e instanceof ConclaveError) ? abortedCallError(expertId, opts.signal) : e;
      throw this.recordError(expertId, error, opts, startedAt, performance.now() - t0, Math.max(attempt, 1));
    }
  }

  /**
   * Streams retry only before the first delta: after that the client has text and must see the break.
   * A restartable stream (opts.restartable: its deltas reach no client) is retried from the start
   * after a break too, its new attempt's deltas following the broken one's; its `done` is the answer.
   */
  stream(expertId: string, messages: ChatMessage[], opts: CallOptions): ExpertStream {
    const startedAt = Date.now();
    const t0 = performance.now();
    let settle!: { resolve: (a: ExpertAnswer) => void; reject: (e: unknown) => void };
    const done = new Promise<ExpertAnswer>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => undefined);
    const self = this;
    // Output that attempts delivered before they broke or were cut off was paid for all the same.
    const cut = { attempts: 0, chars: 0 };
    async function* deltas(): AsyncIterable<StreamDelta> {
      let attempt = 0;
      let finished = false;
      let chars = 0;
      try {
        const { expert, adapter } = await self.callable(expertId);
        const tried = new Set<string | null>();
        for (;;) {
          attempt++;
          let slot: AttemptSlot | null = null;
          let yielded = false;
          chars = 0;
          try {
            slot = await self.beginAttempt(expert, tried);
            const inner = adapter.stream(onReplica(expert, slot.replica), messages, { ...opts, signal: self.attemptSignal(opts.signal) });
            for await (const delta of inner.deltas) {
              yielded = true;
              chars += deltaChars(delta);
              self.streamedBy ??= expertId;
              yield delta;
            }
            const answer = withCut(await inner.done, expert, messages, cut);
            self.breakers.record(slot.replica.key, true);
            self.recordOk(answer, opts, startedAt, attempt);
            finished = true;
            settle.resolve(answer);
            return;
          } catch (e) {
            const replica = slot?.replica ?? null;
            const error = self.afterFailure(expert, replica, e, opts);
            if (yielded) addCut(cut, chars);
            chars = 0;
            // Text already sent cannot be taken back, unless it went to no client (opts.restartable).
            const delay = (yielded && !opts.restartable) || opts.signal?.aborted ? null : self.retryDelay(expert, replica, tried, error, attempt);
            if (delay === null) throw error;
            await sleep(delay, opts.signal);
          } finally {
            if (slot) self.endAttempt(slot);
          }
        }
      } catch (e) {
        finished = true;
        const cause = opts.signal?.aborted && !(e instanceof ConclaveError) ? abortedCallError(expertId, opts.signal) : e;
        const error = self.recordError(expertId, cause, opts, startedAt, performance.now() - t0, Math.max(attempt, 1), self.cutSpend(expertId, messages, cut));
        settle.reject(error);
        throw error;
      } finally {
        // The consumer stopped reading (a hedged loser, a client gone): record the call as cancelled.
        if (!finished) {
          if (chars) addCut(cut, chars);
          const error = new ExpertCallError(expertId, 'stream cancelled by the gateway', { source: 'gateway', kind: 'aborted' });
          settle.reject(
            self.recordError(expertId, error, opts, startedAt, performance.now() - t0, Math.max(attempt, 1), self.cutSpend(expertId, messages, cut)),
          );
        }
      }
    }
    return { deltas: deltas(), done };
  }

  /** What the cut-off output cost at the expert's prices, by the data's token rule; null when none was delivered. */
  private cutSpend(expertId: string, messages: readonly ChatMessage[], cut: Cut): Spend | null {
    const expert = this.byId.get(expertId);
    return expert && cut.attempts ? spendOf(expert, messages, cut) : null;
  }

  /** An attempt takes a replica: the balancer's choice, a slot in its count, and the breaker's probe when half-open. */
  private async beginAttempt(expert: ExpertProfile, tried: Set<string | null>): Promise<AttemptSlot> {
    const replica = await this.replicas.choose(expert, tried, this.fetcher);
    tried.add(replica.url);
    const probe = this.breakers.begin(replica.key);
    this.replicas.begin(replica.url);
    return { replica, probe };
  }

  /** An attempt is over however it ended: its replica's slot frees, and so does a probe no outcome settled. */
  private endAttempt({ replica, probe }: AttemptSlot): void {
    this.replicas.end(replica.url);
    if (probe) this.breakers.release(replica.key);
  }

  private attemptSignal(request: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.attemptTimeoutMs);
    return request ? AbortSignal.any([request, timeout]) : timeout;
  }

  /**
   * Counts the failure against the circuit of the replica that failed (the expert's own with one
   * endpoint) when it says something about its health; a replica that is gone or refusing work is
   * taken out of the expert's rotation at once.
   */
  private afterFailure(expert: ExpertProfile, replica: Replica | null, e: unknown, opts: CallOptions): ConclaveError {
    const expertId = expert.id;
    const error = e instanceof ConclaveError ? e : new ExpertCallError(expertId, String(e), { source: 'gateway', kind: 'protocol' });
    if (replica && !opts.signal?.aborted) {
      // A gone or draining replica leaves the rotation until its health check passes; the breaker
      // judges the rest (errors, timeouts, rate limits) as for any expert.
      if (replicaUrls(expert).length > 1 && takesReplicaOut(error)) this.replicas.takeOut(replica.url);
      else if (error instanceof ExpertCallError && countsAgainstHealth(error)) this.breakers.record(replica.key, false);
      else if (error instanceof ExpertCallError && answeredWithClientError(error)) this.breakers.record(replica.key, true);
    }
    // A per-attempt timeout is worth another try; the request's own deadline is not.
    if (error instanceof ExpertCallError && error.kind === 'timeout' && !error.retryable && !opts.signal?.aborted) {
      return new ExpertCallError(expertId, 'attempt timed out', { kind: 'timeout', retryable: true });
    }
    return error;
  }

  /** The policy's delay, except that after a replica failed, one not tried yet in this call that is up takes over at once. */
  private retryDelay(expert: ExpertProfile, replica: Replica | null, tried: ReadonlySet<string | null>, error: unknown, attempt: number): number | null {
    const delay = retryDelay(error, attempt, this.retry);
    return delay !== null && replica && this.replicas.untriedUp(expert, tried) ? 0 : delay;
  }

  private recordOk(answer: ExpertAnswer, opts: CallOptions, startedAt: number, attempts: number): void {
    const dropped = droppedParams(this.byId.get(answer.expertId)!, opts);
    this.records.push({
      expertId: answer.expertId,
      role: opts.role,
      stage: opts.stage,
      status: 'ok',
      startedAt,
      latencyMs: answer.latencyMs,
      usage: answer.usage,
      costUsd: answer.costUsd,
      attempts,
      text: answer.text,
      error: null,
      finishReason: answer.finishReason ?? 'stop',
      ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}),
      ...(dropped.length ? { droppedParams: dropped } : {}),
    });
  }

  /** `spent`: what output delivered before the failure cost (a stream cut short), charged to the call and carried by its error. */
  private recordError(
    expertId: string,
    e: unknown,
    opts: CallOptions,
    startedAt: number,
    latencyMs: number,
    attempts: number,
    spent: Spend | null = null,
  ): ConclaveError {
    const error = e instanceof ConclaveError ? e : new ExpertCallError(expertId, String(e), { source: 'gateway', kind: 'protocol' });
    if (spent && error instanceof ExpertCallError) error.costUsd = spent.costUsd;
    const kind = error instanceof ExpertCallError ? error.kind : error.code;
    this.records.push({
      expertId,
      role: opts.role,
      stage: opts.stage,
      status: kind === 'timeout' ? 'timeout' : kind === 'aborted' ? 'cancelled' : 'error',
      startedAt,
      latencyMs,
      usage: spent?.usage ?? { promptTokens: 0, completionTokens: 0 },
      costUsd: spent?.costUsd ?? 0,
      attempts,
      text: null,
      error: { message: error.message, source: error.source, upstreamStatus: error instanceof ExpertCallError ? error.upstreamStatus : 0 },
    });
    return error;
  }
}

/** Attempts of a stream that delivered output and then broke or were cut off, and the characters they delivered. */
interface Cut {
  attempts: number;
  chars: number;
}

interface Spend {
  usage: Usage;
  costUsd: number;
}

function addCut(cut: Cut, chars: number): void {
  cut.attempts++;
  cut.chars += chars;
}

/** Characters of text or tool-call arguments in one delta. */
function deltaChars(delta: StreamDelta): number {
  if (typeof delta === 'string') return delta.length;
  return delta.toolCalls.reduce((n, t) => n + (t.function?.arguments?.length ?? 0), 0);
}

/** Each cut attempt read the prompt and wrote what it delivered (the data's rule: a token per 4 characters). */
function spendOf(expert: ExpertProfile, messages: readonly ChatMessage[], cut: Cut): Spend {
  const prompt = messages.reduce((n, m) => n + tokensOf(m.content), 0);
  const usage = { promptTokens: prompt * cut.attempts, completionTokens: Math.ceil(cut.chars / 4) };
  return { usage, costUsd: callCostUsd(expert, usage) };
}

/** The answer of a stream retried after earlier attempts were cut off: it pays for theirs too. */
function withCut(answer: ExpertAnswer, expert: ExpertProfile, messages: readonly ChatMessage[], cut: Cut): ExpertAnswer {
  if (!cut.attempts) return answer;
  const spent = spendOf(expert, messages, cut);
  return {
    ...answer,
    usage: {
      promptTokens: answer.usage.promptTokens + spent.usage.promptTokens,
      completionTokens: answer.usage.completionTokens + spent.usage.completionTokens,
    },
    costUsd: answer.costUsd + spent.costUsd,
  };
}

/** The expert as one attempt calls it: at the chosen replica's endpoint. */
/** The replica an attempt took, and whether it is the breaker's half-open probe. */
interface AttemptSlot {
  replica: Replica;
  probe: boolean;
}

function onReplica(expert: ExpertProfile, replica: Replica): ExpertProfile {
  return replica.url === expert.endpointUrl ? expert : { ...expert, endpointUrl: replica.url };
}

/** The client's fields the expert's protocol cannot carry (its adapter leaves them out). */
function droppedParams(expert: ExpertProfile, opts: CallOptions): string[] {
  if (!opts.params) return [];
  const carried: readonly string[] = providerSpec(expert.provider)?.params ?? [];
  return Object.keys(opts.params).filter((k) => !carried.includes(k));
}

/** Server errors, rate limits, timeouts, network and protocol failures; not a client-side 4xx or an unknown prompt. */
function countsAgainstHealth(e: ExpertCallError): boolean {
  if (e.source !== 'expert') return false;
  if (e.kind === 'http') return e.upstreamStatus === 0 || e.upstreamStatus === 429 || e.upstreamStatus >= 500;
  return e.kind === 'timeout' || e.kind === 'network' || e.kind === 'protocol';
}

/**
 * A 4xx about the request (its input refused, or the expert's key or model wrong; not a rate limit or
 * timeout): the expert is up and answering.
 */
function answeredWithClientError(e: ExpertCallError): boolean {
  if (e.kind === 'rejected_by_expert') return true;
  return (
    e.source === 'expert' && e.kind === 'http' && e.upstreamStatus >= 400 && e.upstreamStatus < 500 && e.upstreamStatus !== 408 && e.upstreamStatus !== 429
  );
}
