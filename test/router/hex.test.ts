import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hex, sha256Hex } from '../../router/hex';

describe('hex', () => {
  it('writes every byte as two lower-case digits, in order', () => {
    expect(hex(new Uint8Array([0, 1, 15, 16, 127, 128, 254, 255]))).toBe('00010f107f80feff');
    expect(hex(new Uint8Array(0))).toBe('');
  });

  it("gives a text's SHA-256 as Node's crypto does", async () => {
    for (const text of ['', 'abc', 'sk-conclave-key', 'é 漢字 🙂']) {
      expect(await sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});
