// llama.cpp as a peer for parity tests and side-by-side benchmarks, through node-llama-cpp's prebuilt CPU
// binaries. It is kept out of the default install (the package pulls ~670 MB of optional GPU variants):
// the first caller installs the pinned package and only this platform's CPU binaries into
// gpu-service/.llama-cpp/ (git-ignored) with npm, then every caller loads it from there.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export const LLAMA_CPP_VERSION = '3.22.1';
export const PEER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.llama-cpp');

/** The part of node-llama-cpp's API the tests and the benchmark use. */
export interface Llama {
  loadModel(o: { modelPath: string; useMmap?: boolean }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  tokenize(text: string, specialTokens?: boolean): number[];
  createContext(o: {
    contextSize: number;
    sequences?: number;
    threads?: number;
    batchSize?: number;
    flashAttention?: boolean;
    experimentalKvCacheKeyType?: string;
    experimentalKvCacheValueType?: string;
  }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface LlamaContext {
  getSequence(): LlamaSequence;
  dispose(): Promise<void>;
}

export type ControlledInput = number | [number, { generateNext: { logits?: boolean; token?: boolean } }];

export interface LlamaSequence {
  controlledEvaluate(input: ControlledInput[]): Promise<Array<{ next: { logits?: Map<number, number>; token?: number | null } } | undefined>>;
  clearHistory(): Promise<void>;
}

interface NodeLlamaCpp {
  getLlama(o: { gpu: false; build: 'never'; logLevel?: string }): Promise<Llama>;
}

/** node-llama-cpp's name for this platform's CPU-only prebuilt package. */
function platformPackage(): string {
  const os = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : process.platform;
  if (!['linux', 'mac', 'win'].includes(os) || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(`llama.cpp peer: no prebuilt node-llama-cpp binary for ${process.platform}-${process.arch}`);
  }
  // On Apple silicon the prebuilt binary is the Metal one; getLlama({ gpu: false }) still runs it on the CPU.
  return `@node-llama-cpp/${os}-${process.arch}${os === 'mac' && process.arch === 'arm64' ? '-metal' : ''}`;
}

function installedVersion(): string | null {
  const pkg = join(PEER_DIR, 'node_modules', 'node-llama-cpp', 'package.json');
  const platform = join(PEER_DIR, 'node_modules', platformPackage(), 'package.json');
  if (!existsSync(pkg) || !existsSync(platform)) return null;
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * Installs the pinned node-llama-cpp (without its optional GPU packages and with install scripts off:
 * the prebuilt binary needs neither) unless present. Concurrent callers (parallel test files) wait for
 * the one holding the lock directory.
 */
export async function ensureLlamaCpp(log: (line: string) => void = () => {}): Promise<void> {
  if (installedVersion() === LLAMA_CPP_VERSION) return;
  mkdirSync(PEER_DIR, { recursive: true });
  const lock = join(PEER_DIR, '.installing');
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`llama.cpp peer: ${lock} held for 10 minutes; remove it if no install is running`);
      await new Promise((r) => setTimeout(r, 1000));
      if (installedVersion() === LLAMA_CPP_VERSION) return;
    }
  }
  try {
    if (installedVersion() === LLAMA_CPP_VERSION) return;
    log(`installing node-llama-cpp ${LLAMA_CPP_VERSION} (CPU binaries only) into ${PEER_DIR}`);
    // Its own package.json makes the folder an npm project of its own, never part of the workspace.
    writeFileSync(join(PEER_DIR, 'package.json'), JSON.stringify({ name: 'conclave-llama-cpp-peer', private: true }, null, 2));
    const args = ['install', '--prefix', PEER_DIR, '--no-save', '--no-package-lock', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'];
    await promisify(execFile)('npm', [...args, `node-llama-cpp@${LLAMA_CPP_VERSION}`, `${platformPackage()}@${LLAMA_CPP_VERSION}`], {
      cwd: PEER_DIR,
      maxBuffer: 16 << 20,
    }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`llama.cpp peer: npm install failed (the npm registry must be reachable): ${e.stderr?.trim() || e.message}`);
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

let loaded: Promise<Llama> | undefined;

/** llama.cpp's CPU backend, installing the peer on first use. */
export function loadLlamaCpp(log?: (line: string) => void): Promise<Llama> {
  loaded ??= (async () => {
    await ensureLlamaCpp(log);
    const entry = join(PEER_DIR, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
    const mod = (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
    return mod.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  })();
  return loaded;
}
