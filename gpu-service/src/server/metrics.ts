// Prometheus text exposition of the serving metrics: token throughput, queue, batch sizes and
// per-layer expert activation counts (from the MoE kernels' top-k output).
import type { SchedulerObserver, StepStats } from '../engine/scheduler.js';

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/** Window over which tokens/s gauges are computed. */
const RATE_WINDOW_S = 10;

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
    this.sum += v;
    this.count++;
  }

  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines;
  }
}

export interface QueueState {
  queueDepth: number;
  active: number;
}

export class Metrics implements SchedulerObserver {
  private promptTokens = 0;
  private decodeTokens = 0;
  private readonly requests = new Map<string, number>();
  private readonly batchSequences = new Histogram(BATCH_BUCKETS);
  private readonly batchTokens = new Histogram(BATCH_BUCKETS);
  private readonly recent: Array<{ at: number; prompt: number; decode: number }> = [];
  /** [layer][expert] activation counts. */
  private readonly experts: number[][];

  constructor(
    private readonly model: string,
    numLayers: number,
    private readonly numExperts: number,
    private readonly queue: () => QueueState,
  ) {
    this.experts = Array.from({ length: numLayers }, () => new Array<number>(numExperts).fill(0));
  }

  onStep(s: StepStats): void {
    this.promptTokens += s.promptTokens;
    this.decodeTokens += s.generatedTokens;
    this.batchSequences.observe(s.sequences);
    this.batchTokens.observe(s.batchTokens);
    const now = performance.now() / 1000;
    this.recent.push({ at: now, prompt: s.promptTokens, decode: s.generatedTokens });
    while (this.recent.length > 0 && this.recent[0]!.at < now - RATE_WINDOW_S) this.recent.shift();
    s.topkIds.forEach((ids, layer) => {
      const counts = this.experts[layer]!;
      for (const e of ids) if (e >= 0 && e < this.numExperts) counts[e]!++;
    });
  }

  countRequest(route: string, status: number): void {
    const key = `route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(): string {
    const m = `model="${this.model}"`;
    const now = performance.now() / 1000;
    const window = this.recent.filter((r) => r.at >= now - RATE_WINDOW_S);
    const rate = (pick: (r: { prompt: number; decode: number }) => number) => window.reduce((a, r) => a + pick(r), 0) / RATE_WINDOW_S;
    const q = this.queue();
    const lines = [
      '# HELP conclave_prompt_tokens_total Prompt tokens processed (prefill).',
      '# TYPE conclave_prompt_tokens_total counter',
      `conclave_prompt_tokens_total{${m}} ${this.promptTokens}`,
      '# HELP conclave_generation_tokens_total Tokens generated (sampled).',
      '# TYPE conclave_generation_tokens_total counter',
      `conclave_generation_tokens_total{${m}} ${this.decodeTokens}`,
      `# HELP conclave_prompt_tokens_per_second Prefill tokens per second over the last ${RATE_WINDOW_S} s.`,
      '# TYPE conclave_prompt_tokens_per_second gauge',
      `conclave_prompt_tokens_per_second{${m}} ${rate((r) => r.prompt)}`,
      `# HELP conclave_generation_tokens_per_second Decode tokens per second over the last ${RATE_WINDOW_S} s.`,
      '# TYPE conclave_generation_tokens_per_second gauge',
      `conclave_generation_tokens_per_second{${m}} ${rate((r) => r.decode)}`,
      '# HELP conclave_queue_depth Requests waiting for a batch slot.',
      '# TYPE conclave_queue_depth gauge',
      `conclave_queue_depth{${m}} ${q.queueDepth}`,
      '# HELP conclave_active_sequences Requests in the running batch.',
      '# TYPE conclave_active_sequences gauge',
      `conclave_active_sequences{${m}} ${q.active}`,
      ...this.batchSequences.render('conclave_batch_sequences', 'Requests per forward pass.'),
      ...this.batchTokens.render('conclave_batch_tokens', 'Tokens per forward pass (prompt chunks + decode tokens).'),
      '# HELP conclave_requests_total HTTP requests by route and status.',
      '# TYPE conclave_requests_total counter',
      ...[...this.requests].map(([k, v]) => `conclave_requests_total{${m},${k}} ${v}`),
      '# HELP conclave_moe_expert_activations_total Tokens routed to each expert, per MoE layer.',
      '# TYPE conclave_moe_expert_activations_total counter',
    ];
    this.experts.forEach((counts, layer) => {
      counts.forEach((n, e) => {
        if (n > 0) lines.push(`conclave_moe_expert_activations_total{${m},layer="${layer}",expert="${e}"} ${n}`);
      });
    });
    return lines.join('\n') + '\n';
  }
}
