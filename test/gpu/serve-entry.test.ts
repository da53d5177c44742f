// The script the lead's `npm start` spawns (`node --import tsx gpu-service/scripts/serve.ts`): prints its
// URL when ready, serves, exits 0 on SIGTERM after finishing the stream in flight.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';

describe('scripts/serve.ts', () => {
  it('listens, streams, and drains on SIGTERM', async () => {
    ensureDemoCheckpoint('olmoe');
    const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-service/scripts/serve.ts', '--port', '0', '--demo', 'olmoe'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(stderr).toMatch(/layer 2\/2/);
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'bye', max_tokens: 16, stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    child.kill('SIGTERM');
    let body = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) body += new TextDecoder().decode(r.value);
    expect(body.trim().endsWith('data: [DONE]')).toBe(true);
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
