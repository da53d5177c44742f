import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The browser the dashboard tests drive: Debian's chromium. `npm test` installs it (apt-get) when it
// is missing and this user may install packages, so a fresh Debian machine needs nothing by hand.

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export type BrowserPlan = { use: string } | { install: string[][]; launch: string } | { refuse: string };

export interface BrowserFacts {
  /** CHROMIUM_PATH, when set: a browser the user chose, used as is and never installed over. */
  chosen: string | undefined;
  exists: (path: string) => boolean;
  root: boolean;
  /** `sudo -n` works (a non-root user allowed to install without a password prompt). */
  sudo: boolean;
  apt: boolean;
}

export function browserPlan(f: BrowserFacts): BrowserPlan {
  if (f.chosen) return f.exists(f.chosen) ? { use: f.chosen } : { refuse: `CHROMIUM_PATH=${f.chosen} does not exist` };
  if (f.exists(DEFAULT_CHROMIUM)) return { use: DEFAULT_CHROMIUM };
  if (!f.apt) return { refuse: `no Chromium at ${DEFAULT_CHROMIUM} and no apt-get to install it: install Chromium and set CHROMIUM_PATH` };
  if (!f.root && !f.sudo) return { refuse: `no Chromium at ${DEFAULT_CHROMIUM}: run 'sudo apt-get install -y chromium' once, or set CHROMIUM_PATH` };
  const as = f.root ? [] : ['sudo', '-n'];
  const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
  return {
    install: [
      [...as, ...env, 'apt-get', 'update', '-qq'],
      [...as, ...env, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium'],
    ],
    launch: DEFAULT_CHROMIUM,
  };
}

function succeeds(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export function machineFacts(): BrowserFacts {
  return {
    chosen: process.env.CHROMIUM_PATH || undefined,
    exists: existsSync,
    root: process.getuid?.() === 0,
    sudo: succeeds('sudo', ['-n', 'true']),
    apt: succeeds('sh', ['-c', 'command -v apt-get']),
  };
}

/** The Chromium to launch, installed first when the plan says so; throws with what to do otherwise. */
export function ensureChromium(facts: BrowserFacts = machineFacts(), log: (line: string) => void = console.log): string {
  const plan = browserPlan(facts);
  if ('use' in plan) return plan.use;
  if ('refuse' in plan) throw new Error(`The dashboard's browser tests need Chromium: ${plan.refuse}`);
  log(`· installing Debian's chromium for the browser tests (once; ${plan.install.map((c) => c.join(' ')).join(' && ')})`);
  for (const [cmd, ...args] of plan.install) {
    const r = spawnSync(cmd!, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  if (!facts.exists(plan.launch)) throw new Error(`chromium installed but ${plan.launch} is missing`);
  return plan.launch;
}

/** How every browser test launches it: headless, no sandbox (root in containers), nothing fetched. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
