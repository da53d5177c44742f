import { describe, expect, it } from 'vitest';
import { browserPlan, DEFAULT_CHROMIUM, ensureChromium, type BrowserFacts } from '../../scripts/lib/browser';

// How `npm test` gets its browser on a machine without one. The real install was proven on a fresh
// Debian root (scripts/fresh-machine.sh); here every branch of the decision.

const machine = (over: Partial<BrowserFacts> = {}): BrowserFacts => ({ chosen: undefined, exists: () => false, root: true, sudo: false, apt: true, ...over });

describe('the browser for the dashboard tests', () => {
  it('uses Debian’s chromium when it is there, and a CHROMIUM_PATH the user chose', () => {
    expect(browserPlan(machine({ exists: (p) => p === DEFAULT_CHROMIUM }))).toEqual({ use: DEFAULT_CHROMIUM });
    expect(browserPlan(machine({ chosen: '/opt/chrome', exists: (p) => p === '/opt/chrome' }))).toEqual({ use: '/opt/chrome' });
  });

  it('installs it with apt-get when missing, as root or through passwordless sudo', () => {
    const asRoot = browserPlan(machine());
    expect(asRoot).toEqual({
      install: [expect.arrayContaining(['apt-get', 'update']), expect.arrayContaining(['apt-get', 'install', 'chromium'])],
      launch: DEFAULT_CHROMIUM,
    });
    const bySudo = browserPlan(machine({ root: false, sudo: true })) as { install: string[][] };
    expect(bySudo.install.every((c) => c[0] === 'sudo' && c[1] === '-n')).toBe(true);
  });

  it('refuses with what to do when it may not install, or the chosen path is wrong', () => {
    expect(browserPlan(machine({ root: false }))).toEqual({ refuse: expect.stringContaining('sudo apt-get install -y chromium') });
    expect(browserPlan(machine({ apt: false }))).toEqual({ refuse: expect.stringContaining('CHROMIUM_PATH') });
    expect(browserPlan(machine({ chosen: '/nope', exists: (p) => p === DEFAULT_CHROMIUM }))).toEqual({ refuse: 'CHROMIUM_PATH=/nope does not exist' });
    expect(() => ensureChromium(machine({ root: false }), () => undefined)).toThrow(/browser tests need Chromium/);
  });
});
