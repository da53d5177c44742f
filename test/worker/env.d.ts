import type { D1Migration } from 'cloudflare:test';
import type { Env as WorkerEnv } from '../../worker/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** data/artifacts/*.json: the shipped trained router artifacts. */
      TEST_ARTIFACTS: { name: string; data: unknown }[];
      /** data/mmlu-pro-routing/models.json: the 29 replay models and their prices. */
      TEST_MODELS: import('../../scripts/lib/dataset').ModelInfo[];
      /** The first 40 questions of data/mmlu-pro-routing/dev.jsonl.gz: prompts the replay experts answer, and their answers. */
      TEST_QUESTIONS: { prompt: string; answer: string }[];
    }
  }
}
