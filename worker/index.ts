import { createApp } from './app';
import type { Env } from './env';
import { runScheduled } from './scheduled';

export { KeyLimiter } from './limits/key-limiter';

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runScheduled(env));
  },
} satisfies ExportedHandler<Env>;
