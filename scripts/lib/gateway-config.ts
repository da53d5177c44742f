// The gateway is two Workers: its own (wrangler.toml) and the replay answers' assets-only Worker
// (replay.wrangler.toml) that its REPLAY service binding reaches. `wrangler dev` runs both, in one
// workerd, when given both configs; the first is the one it serves.
export const GATEWAY_CONFIG_ARGS = ['--config', 'wrangler.toml', '--config', 'replay.wrangler.toml'];
