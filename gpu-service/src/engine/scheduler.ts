// Continuous batching. One loop owns the model: every step it stacks the next token of each decoding
// request and a chunk of each prefilling request's prompt into a single forward pass, so all requests
// share every MoE layer call. Requests join and leave between steps; the waiting queue is bounded.
import { InternalError, InvalidRequestError, QueueFullError, ServiceError, ShuttingDownError } from '../errors.js';
import type { ModelRunner, SequenceStep } from '../model/forward.js';
import { KvCache } from '../model/kv-cache.js';
import type { ModelTokenizer } from '../tokenizer/tokenizer.js';
import { Channel } from './channel.js';
import { Sampler, type SamplingParams } from './sampler.js';
import { TextStream } from './text-stream.js';

export interface GenerationRequest {
  promptIds: number[];
  /** 0 runs the prompt only (expert traces). */
  maxTokens: number;
  sampling: SamplingParams;
  stop: string[];
  /** Collect each prompt token's expert choices per MoE layer. */
  trace?: boolean;
  /** Generate maxTokens whatever is sampled, end-of-sequence tokens included (benchmarks, as vLLM's ignore_eos). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error';

/** Per prompt token, per layer: [experts] and [weights]; empty for dense layers. */
export interface ExpertTrace {
  ids: number[][][];
  weights: number[][][];
}

export type GenerationEvent =
  | { type: 'delta'; text: string }
  | { type: 'done'; finishReason: FinishReason; promptTokens: number; completionTokens: number; trace?: ExpertTrace; error?: ServiceError };

export interface SchedulerOptions {
  /** Requests decoded together at most. */
  maxBatchSequences: number;
  /** Tokens (prompt chunks + decode tokens) in one forward pass at most. */
  maxBatchTokens: number;
  /** Requests waiting for a batch slot at most; beyond it submit() answers 429. */
  maxQueue: number;
  /** Context length (prompt + completion) at most. */
  maxContext: number;
}

export interface StepStats {
  sequences: number;
  /** Prompt tokens prefilled in this step. */
  promptTokens: number;
  /** Tokens sampled in this step (one per sequence that finished its prompt or is decoding). */
  generatedTokens: number;
  /** Tokens fed through the model in this step. */
  batchTokens: number;
  seconds: number;
  /** Per layer: [T,topK] experts chosen in this step (empty for dense layers). */
  topkIds: Int32Array[];
}

export interface SchedulerObserver {
  onStep(stats: StepStats): void;
}

interface Sequence {
  req: GenerationRequest;
  channel: Channel<GenerationEvent>;
  cache: KvCache;
  /** Tokens still to feed: the unprocessed prompt, then the last sampled token. */
  pending: number[];
  prefilling: boolean;
  generated: number;
  sampler: Sampler;
  text: TextStream;
  trace: ExpertTrace | null;
}

/** A sequence's share of one step: the tokens it feeds, and whether they end its prompt. */
interface BatchEntry {
  seq: Sequence;
  step: SequenceStep;
  completesPrompt: boolean;
}

export class Scheduler {
  private readonly waiting: Sequence[] = [];
  private readonly active: Sequence[] = [];
  private running = false;
  private draining = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private readonly eos: Set<number>;

  constructor(
    private readonly runner: ModelRunner,
    private readonly tokenizer: ModelTokenizer,
    readonly options: SchedulerOptions,
    private readonly observer: SchedulerObserver | null = null,
  ) {
    const eos = [...runner.config.eosTokenIds];
    const fromTokenizer = tokenizer.eosToken === null ? undefined : tokenizer.tokenId(tokenizer.eosToken);
    if (fromTokenizer !== undefined) eos.push(fromTokenizer);
    this.eos = new Set(eos);
  }

  get queueDepth(): number {
    return this.waiting.length;
  }

  get activeCount(): number {
    return this.active.length;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Queues a request; its events arrive on the returned iterable. Throws 429 when the queue is full. */
  submit(req: GenerationRequest): AsyncIterable<GenerationEvent> {
    if (this.draining) throw new ShuttingDownError();
    if (req.promptIds.length === 0) throw new InvalidRequestError('The prompt is empty', 'prompt');
    if (this.waiting.length >= this.options.maxQueue) throw new QueueFullError(this.options.maxQueue);
    const c = this.runner.config;
    const seq: Sequence = {
      req,
      channel: new Channel<GenerationEvent>(),
      cache: new KvCache(c.numLayers, c.numKvHeads * c.headDim, Math.min(req.promptIds.length + req.maxTokens, 256)),
      pending: [...req.promptIds],
      prefilling: true,
      generated: 0,
      sampler: new Sampler(req.sampling),
      text: new TextStream(this.tokenizer, req.stop),
      trace: req.trace ? { ids: [], weights: [] } : null,
    };
    this.waiting.push(seq);
    // A request cancelled while still queued frees its slot at once.
    req.signal?.addEventListener('abort', () => this.cancelWaiting(seq), { once: true });
    this.start();
    return seq.channel;
  }

  /** Stops admitting requests and resolves when every queued and running request has finished. */
  drain(): Promise<void> {
    this.draining = true;
    return this.running ? this.idle : Promise.resolve();
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.waiting.length > 0 || this.active.length > 0) {
        while (this.active.length < this.options.maxBatchSequences && this.waiting.length > 0) this.active.push(this.waiting.shift()!);
        for (const seq of [...this.active]) if (seq.req.signal?.aborted) this.finish(seq, 'cancelled');
        if (this.active.length > 0) await this.step();
        // Let the event loop deliver socket writes, new requests and disconnects between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  private async step(): Promise<void> {
    let budget = this.options.maxBatchTokens;
    const batch: BatchEntry[] = [];
    // Decoding sequences first (one token each) so running streams never stall behind a long prompt.
    const order = [...this.active.filter((s) => !s.prefilling), ...this.active.filter((s) => s.prefilling)];
    for (const seq of order) {
      if (budget <= 0) break;
      const n = Math.min(seq.pending.length, budget);
      budget -= n;
      batch.push({ seq, step: { cache: seq.cache, tokens: seq.pending.splice(0, n) }, completesPrompt: seq.pending.length === 0 });
    }
    try {
      await this.run(batch);
    } catch (e) {
      // Whatever fails in a step (forward pass, sampling, tracing, metrics) fails the requests still
      // running in it, never the loop, the process or the other requests.
      const error = new InternalError(`Generation step failed: ${(e as Error).message}`);
      for (const { seq } of batch) if (this.active.includes(seq)) this.finish(seq, 'error', error);
    }
  }

  /** One forward pass over the batch, then sampling, traces and the observer. */
  private async run(batch: BatchEntry[]): Promise<void> {
    const started = performance.now();
    const result = await this.runner.forward(batch.map((b) => b.step));
    const prompt = batch.filter((b) => b.seq.prefilling).reduce((a, b) => a + b.step.tokens.length, 0);
    const topK = this.runner.config.routing.topK;
    const seconds = (performance.now() - started) / 1000;
    let row = 0;
    let sampled = 0;
    batch.forEach(({ seq, step, completesPrompt }, i) => {
      if (seq.trace) this.collectTrace(seq.trace, result.topkIds, result.topkWeights, row, step.tokens.length, topK);
      row += step.tokens.length;
      if (!completesPrompt || seq.req.signal?.aborted) return;
      try {
        if (this.advance(seq, result.logits[i]!)) sampled++;
      } catch (e) {
        this.finish(seq, 'error', e instanceof ServiceError ? e : new InternalError((e as Error).message));
      }
    });
    this.observer?.onStep({
      sequences: batch.length,
      promptTokens: prompt,
      generatedTokens: sampled,
      batchTokens: batch.reduce((a, b) => a + b.step.tokens.length, 0),
      seconds,
      topkIds: result.topkIds,
    });
  }

  /** Samples the next token of `seq` from its logits and emits text or finishes it; false if none sampled. */
  private advance(seq: Sequence, logits: Float32Array): boolean {
    seq.prefilling = false;
    if (seq.req.maxTokens === 0) {
      this.finish(seq, 'length');
      return false;
    }
    const token = seq.sampler.next(logits);
    seq.generated++;
    if (this.eos.has(token) && !seq.req.ignoreEos) {
      this.finish(seq, 'stop');
      return true;
    }
    const text = seq.text.push(token);
    if (text) seq.channel.push({ type: 'delta', text });
    if (seq.text.stopped) this.finish(seq, 'stop');
    else if (seq.generated >= seq.req.maxTokens || seq.cache.length + 1 > this.options.maxContext) this.finish(seq, 'length');
    else seq.pending.push(token);
    return true;
  }

  private collectTrace(trace: ExpertTrace, ids: Int32Array[], weights: Float32Array[], row: number, count: number, k: number): void {
    for (let t = row; t < row + count; t++) {
      trace.ids.push(ids.map((layer) => (layer.length ? Array.from(layer.subarray(t * k, (t + 1) * k)) : [])));
      trace.weights.push(weights.map((layer) => (layer.length ? Array.from(layer.subarray(t * k, (t + 1) * k)) : [])));
    }
  }

  private finish(seq: Sequence, finishReason: FinishReason, error?: ServiceError): void {
    const i = this.active.indexOf(seq);
    if (i >= 0) this.active.splice(i, 1);
    if (finishReason === 'stop' || finishReason === 'length') {
      const rest = seq.text.flush();
      if (rest) seq.channel.push({ type: 'delta', text: rest });
    }
    seq.channel.push({
      type: 'done',
      finishReason,
      promptTokens: seq.req.promptIds.length,
      completionTokens: seq.generated,
      ...(seq.trace ? { trace: seq.trace } : {}),
      ...(error ? { error } : {}),
    });
    seq.channel.close();
  }

  private cancelWaiting(seq: Sequence): void {
    const i = this.waiting.indexOf(seq);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    this.finish(seq, 'cancelled');
  }
}
