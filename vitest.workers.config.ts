import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Worker + D1 tests inside workerd. Storage is not isolated between tests in this pool version,
// so test/worker/setup.ts applies migrations before each test and resets storage after. The replay
// assets must exist: `npm test` builds them first (scripts/build-replay.ts).
export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: 'test-admin-token', DEV_API_KEY: 'test-dev-key', CACHE_TTL_MS: '0' },
        },
      }),
    ],
    test: {
      include: ['test/worker/**/*.test.ts'],
      setupFiles: ['test/worker/setup.ts'],
      globalSetup: ['test/support/peer-global-setup.ts'],
      testTimeout: 30_000,
    },
  };
});
