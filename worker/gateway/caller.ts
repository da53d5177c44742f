import type { ExpertAdapter } from '../../experts';
import { ConclaveError, ExpertCallError, NotFoundError } from '../../router/errors';
import type { CallOptions, ChatMessage, ExpertAnswer, ExpertCaller, ExpertProfile, ExpertStream, ProviderKind } from '../../router/types';
import type { CallRecord } from '../history/record';

/**
 * The gateway's ExpertCaller: resolves expert ids against the registry, calls the provider's
 * adapter, and records every call (answering experts, aggregators, judges alike) with its role,
 * stage, status, latency, usage and cost, so the routing history attributes all spend.
 */
export class RecordingCaller implements ExpertCaller {
  readonly records: CallRecord[] = [];
  private readonly byId: Map<string, ExpertProfile>;

  constructor(
    registry: readonly ExpertProfile[],
    private readonly adapters: Record<ProviderKind, ExpertAdapter>,
  ) {
    this.byId = new Map(registry.map((e) => [e.id, e]));
  }

  expert(expertId: string): ExpertProfile {
    const expert = this.byId.get(expertId);
    if (!expert) throw new NotFoundError('expert', expertId);
    if (!expert.enabled) throw new ExpertCallError(expertId, 'expert is disabled', { source: 'gateway', kind: 'config' });
    return expert;
  }

  async complete(expertId: string, messages: ChatMessage[], opts: CallOptions): Promise<ExpertAnswer> {
    const startedAt = Date.now();
    const t0 = performance.now();
    try {
      const expert = this.expert(expertId);
      const answer = await this.adapters[expert.provider].complete(expert, messages, opts);
      this.recordOk(answer, opts, startedAt);
      return answer;
    } catch (e) {
      throw this.recordError(expertId, e, opts, startedAt, performance.now() - t0);
    }
  }

  stream(expertId: string, messages: ChatMessage[], opts: CallOptions): ExpertStream {
    const startedAt = Date.now();
    const t0 = performance.now();
    let inner: ExpertStream;
    try {
      const expert = this.expert(expertId);
      inner = this.adapters[expert.provider].stream(expert, messages, opts);
    } catch (e) {
      const error = this.recordError(expertId, e, opts, startedAt, 0);
      const done = Promise.reject(error);
      done.catch(() => undefined);
      return { deltas: failing(error), done };
    }
    const done = inner.done.then(
      (answer) => (this.recordOk(answer, opts, startedAt), answer),
      (e: unknown) => {
        throw this.recordError(expertId, e, opts, startedAt, performance.now() - t0);
      },
    );
    done.catch(() => undefined);
    return { deltas: inner.deltas, done };
  }

  private recordOk(answer: ExpertAnswer, opts: CallOptions, startedAt: number): void {
    this.records.push({
      expertId: answer.expertId,
      role: opts.role,
      stage: opts.stage,
      status: 'ok',
      startedAt,
      latencyMs: answer.latencyMs,
      usage: answer.usage,
      costUsd: answer.costUsd,
      attempts: 1,
      text: answer.text,
      error: null,
    });
  }

  private recordError(expertId: string, e: unknown, opts: CallOptions, startedAt: number, latencyMs: number): ConclaveError {
    const error = e instanceof ConclaveError ? e : new ExpertCallError(expertId, String(e), { source: 'gateway', kind: 'protocol' });
    const kind = error instanceof ExpertCallError ? error.kind : error.code;
    this.records.push({
      expertId,
      role: opts.role,
      stage: opts.stage,
      status: kind === 'timeout' ? 'timeout' : kind === 'aborted' ? 'cancelled' : 'error',
      startedAt,
      latencyMs,
      usage: { promptTokens: 0, completionTokens: 0 },
      costUsd: 0,
      attempts: 1,
      text: null,
      error: { message: error.message, source: error.source, upstreamStatus: error instanceof ExpertCallError ? error.upstreamStatus : 0 },
    });
    return error;
  }
}

async function* failing(error: unknown): AsyncIterable<string> {
  throw error;
}
