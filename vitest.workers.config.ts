import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { unstable_readConfig } from 'wrangler';
import { DEFAULT_DATA, loadExamples, loadModels } from './scripts/lib/dataset';
import { ANTHROPIC_PEER_KEY } from './test/support/anthropic-peer';

// Loaded with `--configLoader runner` (package.json's test): Vite's default loader bundles this file
// and the router modules it imports, and warns about each import written without an extension.
// Worker + D1 tests inside workerd. Storage is not isolated between tests in this pool version,
// so test/worker/setup.ts applies migrations before each test and resets storage after. All files
// share one runtime (isolate: false): starting workerd for every file was most of the suite's
// time. A test that depends on an isolate's caches being cold must make them so itself. The replay
// assets (served by their own Worker, bound as REPLAY) must exist: `npm test` builds them first
// (scripts/build-replay.ts). The shipped router artifacts, the replay models and the first 40
// recorded questions reach the tests as bindings (workerd has no file system).
export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  const replay = unstable_readConfig({ config: 'replay.wrangler.toml' });
  const artifacts = readdirSync('data/artifacts')
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.slice(0, -'.json'.length), data: (JSON.parse(readFileSync(`data/artifacts/${f}`, 'utf8')) as { data: unknown }).data }));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          // The replay answers' assets-only Worker of replay.wrangler.toml (the gateway's REPLAY binding).
          workers: [
            {
              name: replay.name,
              compatibilityDate: replay.compatibility_date,
              modules: true,
              script: '',
              assets: { directory: replay.assets!.directory, routerConfig: { has_user_worker: false } },
            },
          ],
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_ARTIFACTS: artifacts,
            TEST_MODELS: loadModels(),
            TEST_QUESTIONS: loadExamples(DEFAULT_DATA, 40).map((x) => ({ prompt: x.prompt, answer: x.answer })),
            ADMIN_TOKEN: 'test-admin-token',
            DEV_API_KEY: 'test-dev-key',
            CACHE_TTL_MS: '0',
            BANDIT_LEARN_INTERVAL_MS: '0',
            ANTHROPIC_API_KEY: ANTHROPIC_PEER_KEY,
            RESPONSE_CACHE_TTL_S: '0',
            ALLOW_PRIVATE_ENDPOINTS: '1',
          },
        },
      }),
    ],
    test: {
      include: ['test/worker/**/*.test.ts'],
      setupFiles: ['test/worker/setup.ts'],
      globalSetup: ['test/support/peer-global-setup.ts'],
      testTimeout: 30_000,
      isolate: false,
    },
  };
});
