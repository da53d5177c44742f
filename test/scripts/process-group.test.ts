import { describe, expect, it } from 'vitest';
import { OUTPUT_TAIL_CHARS, startProcessGroup } from '../support/process-group';

// The shared start of the benchmark's and the tests' child processes (wrangler dev, the peers).

/** node running `code`, in its own process group. */
const node = (code: string, ready = /Ready on (\S+)/) => startProcessGroup(process.execPath, ['-e', code], process.env, ready, 'node -e');

describe('startProcessGroup', () => {
  it('resolves with the ready line even when it comes after more output than it keeps', async () => {
    const group = await node(`process.stdout.write('x'.repeat(${4 * OUTPUT_TAIL_CHARS}) + '\\nReady on http://127.0.0.1:1\\n'); setInterval(() => {}, 1000);`);
    try {
      expect(group.ready[1]).toBe('http://127.0.0.1:1');
    } finally {
      await group.stop();
    }
    expect(group.child.exitCode !== null || group.child.signalCode !== null).toBe(true);
  });

  it('keeps only the tail of what a process prints: a failed start names its last output, not all of it', async () => {
    // A megabyte of chatter, read to the end, then the line that says why it stopped.
    const chatter = `Array.from({ length: 20000 }, (_, i) => 'request ' + i + ' '.repeat(40)).join('\\n')`;
    const code = `process.stdout.write(${chatter}, () => setTimeout(() => { console.error('boom: port taken'); process.exit(3); }, 100));`;
    const err = (await node(code).then(
      () => null,
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/^node -e exited \(3\) before it was ready:\n/);
    expect(err.message).toContain('boom: port taken');
    expect(err.message.length).toBeLessThan(OUTPUT_TAIL_CHARS + 100);
  });
});
