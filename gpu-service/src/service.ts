// Everything needed to serve one checkpoint: weights, tokenizer, batching scheduler and metrics.
import { basename } from 'node:path';
import { loadCheckpoint, type LoadProgress } from './checkpoint/load.js';
import { Scheduler, type SchedulerOptions } from './engine/scheduler.js';
import { ModelRunner } from './model/forward.js';
import { kernels } from './model/kernels.js';
import type { MoeDevice } from './moe/types.js';
import { Metrics } from './server/metrics.js';
import { ModelTokenizer } from './tokenizer/tokenizer.js';

export interface ServiceLimits extends SchedulerOptions {
  /** Completion tokens when the request names none, and the most it may ask for. */
  defaultMaxTokens: number;
  maxTokensLimit: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Longest prompt text tokenised, in UTF-8 bytes; longer ones are refused before tokenising. */
  maxPromptBytes: number;
}

/** Bytes of prompt read per token of context: no real tokenizer's tokens average this much text. */
export const PROMPT_BYTES_PER_TOKEN = 16;

export const DEFAULT_LIMITS: Omit<ServiceLimits, 'maxPromptBytes'> = {
  maxBatchSequences: 32,
  maxBatchTokens: 512,
  maxQueue: 64,
  maxContext: 4096,
  defaultMaxTokens: 256,
  maxTokensLimit: 2048,
  maxBodyBytes: 1024 * 1024,
};

export interface ServedModel {
  id: string;
  dir: string;
  device: MoeDevice;
  runner: ModelRunner;
  tokenizer: ModelTokenizer;
  scheduler: Scheduler;
  metrics: Metrics;
  limits: ServiceLimits;
  createdAt: number;
}

export interface ServiceOptions {
  /** Name reported by /v1/models; the directory name by default. */
  id?: string;
  limits?: Partial<ServiceLimits>;
  onProgress?: (p: LoadProgress) => void;
}

export function loadService(dir: string, opts: ServiceOptions = {}): ServedModel {
  const weights = loadCheckpoint(dir, opts.onProgress ? { onProgress: opts.onProgress } : {});
  const tokenizer = ModelTokenizer.load(dir);
  const runner = new ModelRunner(weights);
  const c = weights.config;
  const merged = { ...DEFAULT_LIMITS, maxContext: Math.min(DEFAULT_LIMITS.maxContext, c.maxPositions), ...opts.limits };
  // Full attention matches the model's sliding-window attention only within the window.
  const maxContext = Math.min(merged.maxContext, c.slidingWindow ?? Infinity);
  const limits: ServiceLimits = { ...merged, maxContext, maxPromptBytes: opts.limits?.maxPromptBytes ?? maxContext * PROMPT_BYTES_PER_TOKEN };
  const id = opts.id ?? basename(dir);
  let scheduler: Scheduler | null = null;
  const metrics = new Metrics(id, c.routing.numExperts, () => ({
    queueDepth: scheduler?.queueDepth ?? 0,
    active: scheduler?.activeCount ?? 0,
  }));
  scheduler = new Scheduler(runner, tokenizer, limits, metrics);
  return { id, dir, device: kernels.device(), runner, tokenizer, scheduler, metrics, limits, createdAt: Math.floor(Date.now() / 1000) };
}
