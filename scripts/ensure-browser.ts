import { ensureChromium } from './lib/browser';

// First step of `npm test`: the browser tests' Chromium, installed when missing and permitted.
try {
  ensureChromium();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
