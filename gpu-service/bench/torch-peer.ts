// The PyTorch side of `bench:moe`: starts moe_torch.py (a Hugging Face-style MoE block, bf16) once and
// times it on the same weight files and activations as the native layer. Absent when python3 cannot
// import torch (Debian: `apt-get install -y python3-torch`); the bench then runs without it.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'moe_torch.py');

export interface TorchLayer {
  dir: string;
  experts: number;
  hidden: number;
  inter: number;
  topK: number;
  normTopkProb: boolean;
}

export interface TorchTiming {
  ms: number;
  /** The block's output [T,H] (bf16 values as f32), to check both engines computed the same thing. */
  y: Float32Array;
}

export class TorchPeer {
  private readonly lines: AsyncIterator<string>;

  /** torch.__version__ */
  version = '';

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    reader: Interface,
  ) {
    this.lines = reader[Symbol.asyncIterator]();
  }

  /**
   * The peer, or why it is unavailable. The interpreter is CONCLAVE_BENCH_PYTHON, else the first of
   * `python3` on PATH and Debian's /usr/bin/python3 (where apt installs torch) that imports torch.
   */
  static async start(threads: number): Promise<TorchPeer | string> {
    const candidates = process.env.CONCLAVE_BENCH_PYTHON ? [process.env.CONCLAVE_BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
    const failures: string[] = [];
    const python = candidates.find((exe) => {
      const probe = spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' });
      if (probe.status === 0) return true;
      failures.push(`${exe}: ${probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop()}`);
      return false;
    });
    if (!python) return `no python3 with torch (apt-get install -y python3-torch): ${failures.join('; ')}`;
    const child = spawn(python, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const peer = new TorchPeer(child, createInterface({ input: child.stdout }));
    peer.version = String((await peer.call({ op: 'hello' })).torch);
    return peer;
  }

  private async call(cmd: object): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error('PyTorch peer exited');
    const reply = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof reply.error === 'string') throw new Error(`PyTorch peer: ${reply.error}`);
    return reply;
  }

  async load(layer: TorchLayer): Promise<void> {
    const { dir, experts: E, hidden: H, inter: I, topK: k, normTopkProb: norm } = layer;
    await this.call({ op: 'load', dir, E, H, I, k, norm });
  }

  /** Median ms over the same run policy as the native side; `xPath` holds x [T,H] as raw f32. */
  async time(xPath: string, T: number, flushBytes: number, minRuns: number, minMs: number): Promise<TorchTiming> {
    const out = `${xPath}.torch-y`;
    const reply = await this.call({ op: 'time', x: xPath, T, minRuns, minMs, flushBytes, out });
    const bytes = readFileSync(out);
    return { ms: reply.ms as number, y: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
  }

  close(): void {
    this.child.stdin.end();
  }
}
