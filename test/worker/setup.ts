import { applyD1Migrations, env, reset } from 'cloudflare:test';
import { afterEach, beforeEach } from 'vitest';

// Storage is shared between tests in this pool version: migrate before each test, wipe after.
beforeEach(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

afterEach(async () => {
  await reset();
});
