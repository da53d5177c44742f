// Prometheus metrics of the serving engine through prom-client: token throughput, queue, batch
// sizes, HTTP requests and per-layer expert activation counts (from the MoE kernels' top-k output),
// plus Node's process metrics. Each served model has its own registry, labelled with its id.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SchedulerObserver, StepStats } from '../engine/scheduler.js';

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/** Window over which tokens/s gauges are computed. */
const RATE_WINDOW_S = 10;

export interface QueueState {
  queueDepth: number;
  active: number;
}

export class Metrics implements SchedulerObserver {
  readonly registry = new Registry();
  private readonly recent: Array<{ at: number; prompt: number; decode: number }> = [];
  private readonly promptTokens: Counter;
  private readonly decodeTokens: Counter;
  private readonly batchSequences: Histogram;
  private readonly batchTokens: Histogram;
  private readonly requests: Counter<'route' | 'status'>;
  private readonly activations: Counter<'layer' | 'expert'>;

  constructor(
    model: string,
    private readonly numExperts: number,
    queue: () => QueueState,
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ model });
    collectDefaultMetrics({ register: this.registry });
    this.promptTokens = new Counter({ name: 'conclave_prompt_tokens_total', help: 'Prompt tokens processed (prefill).', registers });
    this.decodeTokens = new Counter({ name: 'conclave_generation_tokens_total', help: 'Tokens generated (sampled).', registers });
    const rate = (pick: (r: { prompt: number; decode: number }) => number) => () => {
      const since = performance.now() / 1000 - RATE_WINDOW_S;
      return this.recent.filter((r) => r.at >= since).reduce((a, r) => a + pick(r), 0) / RATE_WINDOW_S;
    };
    /** A gauge read when scraped. */
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge(
      'conclave_prompt_tokens_per_second',
      `Prefill tokens per second over the last ${RATE_WINDOW_S} s.`,
      rate((r) => r.prompt),
    );
    gauge(
      'conclave_generation_tokens_per_second',
      `Decode tokens per second over the last ${RATE_WINDOW_S} s.`,
      rate((r) => r.decode),
    );
    gauge('conclave_queue_depth', 'Requests waiting for a batch slot.', () => queue().queueDepth);
    gauge('conclave_active_sequences', 'Requests in the running batch.', () => queue().active);
    this.batchSequences = new Histogram({ name: 'conclave_batch_sequences', help: 'Requests per forward pass.', buckets: BATCH_BUCKETS, registers });
    this.batchTokens = new Histogram({
      name: 'conclave_batch_tokens',
      help: 'Tokens per forward pass (prompt chunks + decode tokens).',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.requests = new Counter({ name: 'conclave_requests_total', help: 'HTTP requests by route and status.', labelNames: ['route', 'status'], registers });
    this.activations = new Counter({
      name: 'conclave_moe_expert_activations_total',
      help: 'Tokens routed to each expert, per MoE layer.',
      labelNames: ['layer', 'expert'],
      registers,
    });
  }

  onStep(s: StepStats): void {
    this.promptTokens.inc(s.promptTokens);
    this.decodeTokens.inc(s.generatedTokens);
    this.batchSequences.observe(s.sequences);
    this.batchTokens.observe(s.batchTokens);
    const now = performance.now() / 1000;
    this.recent.push({ at: now, prompt: s.promptTokens, decode: s.generatedTokens });
    while (this.recent.length > 0 && this.recent[0]!.at < now - RATE_WINDOW_S) this.recent.shift();
    s.topkIds.forEach((ids, layer) => {
      const counts = new Map<number, number>();
      for (const e of ids) if (e >= 0 && e < this.numExperts) counts.set(e, (counts.get(e) ?? 0) + 1);
      for (const [expert, n] of counts) this.activations.inc({ layer: String(layer), expert: String(expert) }, n);
    });
  }

  countRequest(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  /** The exposition text (prom-client's format, `contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
