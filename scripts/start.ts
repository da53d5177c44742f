import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cli, numberFlag } from '../gpu-service/scripts/cli';
import { buildReplay } from './build-replay';
import { banner } from './lib/banner';
import { loadModels } from './lib/dataset';
import { ensureDevVars, GPU_API_KEY_SECRET } from './lib/dev-vars';
import { startGpuService, type RunningGpuService } from './lib/gpu-service';
import { GATEWAY_CONFIG_ARGS } from './lib/gateway-config';
import { freePort, portIsFree } from './lib/ports';
import { TOOL_ENV, wranglerQuietly } from './lib/quiet';
import { artifactsSql, GPU_EXPERT_ID, gpuExpertSql, replayExpertsSql } from './lib/seed';

// `npm start`: everything a newcomer needs, offline: .dev.vars, replay assets, local D1 migrated
// and seeded, the GPU service, then `wrangler dev`. A few progress lines, then the banner.

const USAGE = `npm start [-- --no-gpu] [--artifacts DIR]

Runs Conclave locally and offline: local D1, the 29 replay experts, the GPU service on a demo checkpoint.

  --no-gpu          do not start the GPU service (nor register its expert)
  --artifacts DIR   publish the router artifacts in DIR (npm run train --out DIR) as their next versions
  --help            this text

Environment: PORT (gateway, default 8787), GPU_PORT (GPU service, default 8090).`;

const flags = cli(USAGE, { 'no-gpu': { type: 'boolean', default: false }, artifacts: { type: 'string' } });

const PORT = portFromEnv('PORT', 8787);
const GPU_PORT = portFromEnv('GPU_PORT', 8090);
const step = (line: string) => console.log(`· ${line}`);

// A taken port would otherwise surface only after the whole set-up, as wrangler's advice to pass
// --port (which npm start does not take) or as a GPU service that did not start.
const ports: [string, number, string][] = [['PORT', PORT, 'the gateway']];
if (!flags['no-gpu']) ports.push(['GPU_PORT', GPU_PORT, 'the GPU service (or npm start -- --no-gpu)']);
for (const [name, port, what] of ports)
  if (!(await portIsFree(port))) {
    console.error(`port ${port} is taken (another npm start, wrangler dev or GPU service?): give ${name}=<another port> for ${what}`);
    process.exit(2);
  }

const vars = ensureDevVars();
step('credentials in .dev.vars');
await buildReplay();
wranglerQuietly(['d1', 'migrations', 'apply', 'conclave', '--local']);
step('local D1 migrated');
const gpu = flags['no-gpu'] ? { error: 'started with --no-gpu' } : await startGpuService(GPU_PORT, GPU_EXPERT_ID, vars[GPU_API_KEY_SECRET]!);
if ('url' in gpu) step(`GPU service on ${gpu.url}`);
else if (!flags['no-gpu']) console.warn(`GPU service not started, continuing without it: ${gpu.error.trim()}`);
const experts = loadModels().length;
mkdirSync('.wrangler', { recursive: true });
writeFileSync(
  '.wrangler/seed.sql',
  `${[...replayExpertsSql(), ...artifactsSql(), ...(flags.artifacts ? artifactsSql(flags.artifacts, 'next') : []), ...('url' in gpu ? [gpuExpertSql(gpu.url)] : [])].join('\n')}\n`,
);
wranglerQuietly(['d1', 'execute', 'conclave', '--local', '--file', '.wrangler/seed.sql']);
const published = flags.artifacts ? ` (those of ${flags.artifacts} as their next versions)` : '';
step(`registry seeded: ${experts} replay experts and the trained router artifacts${published}${'url' in gpu ? `, ${GPU_EXPERT_ID}` : ''}`);
step(`starting the gateway on http://127.0.0.1:${PORT}`);
serve('url' in gpu ? gpu : null);

function serve(gpuService: RunningGpuService | null): void {
  // --test-scheduled: the cron job (learning from feedback, retention) runs locally on GET /__scheduled.
  // Its own inspector port: another wrangler dev on this machine may hold the default one.
  void freePort().then((inspectorPort) => {
    // ALLOW_PRIVATE_ENDPOINTS: locally, experts (the GPU service here, a vLLM next to it) live on loopback.
    const args = [
      'wrangler',
      'dev',
      ...GATEWAY_CONFIG_ARGS,
      '--ip',
      '127.0.0.1',
      '--port',
      String(PORT),
      '--inspector-port',
      String(inspectorPort),
      '--show-interactive-dev-session=false',
      '--test-scheduled',
      '--var',
      'ALLOW_PRIVATE_ENDPOINTS:1',
    ];
    const dev = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], env: TOOL_ENV });
    // wrangler's own start-up lines are kept back (shown if it dies first); request logs after the banner pass through.
    let startup = '';
    let ready = false;
    const onOutput = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (ready) return void stream.write(chunk);
      startup += chunk.toString();
      if (!/Ready on/i.test(startup)) return;
      ready = true;
      const gpuFacts = gpuService
        ? { url: gpuService.url, expertId: GPU_EXPERT_ID }
        : { skipped: flags['no-gpu'] ? 'started with --no-gpu' : 'failed to start, see above' };
      console.log(banner({ base: `http://127.0.0.1:${PORT}`, adminToken: vars.ADMIN_TOKEN!, apiKey: vars.DEV_API_KEY!, experts, gpu: gpuFacts }));
    };
    dev.stdout.on('data', onOutput(process.stdout));
    dev.stderr.on('data', onOutput(process.stderr));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, () => {
        dev.kill(sig);
        gpuService?.child.kill('SIGTERM');
      });
    }
    dev.on('exit', (code) => {
      if (!ready) process.stderr.write(startup);
      gpuService?.child.kill('SIGTERM');
      process.exit(code ?? 0);
    });
  });
}

/** A port from the environment, read as the flags are: '0x1F90' or '80 80' is named, not taken for another number. */
function portFromEnv(name: string, fallback: number): number {
  return numberFlag(USAGE, name, process.env[name] ?? String(fallback), { integer: true, min: 1, max: 65_535 });
}
