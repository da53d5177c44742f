// Lower-case hex of bytes, and of a text's SHA-256 (Web Crypto: the same in workerd and Node): the
// one copy behind key hashes, replay and cache keys, route ids, trace ids and signatures. A table
// per byte, because route ids are made on every request.
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_HEX[b];
  return out;
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
