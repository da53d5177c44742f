// Splitting text into D1-sized pieces (artifact JSON, long history texts). Pure, so the Node seed script and the Worker
// cut artifacts the same way.

/**
 * Largest chunk the Worker writes, in UTF-8 bytes after SQL quoting (a `'` counts twice): small
 * enough that even as a literal it fits a D1 statement (100 KB) with the INSERT around it.
 */
export const MAX_CHUNK_BYTES = 90_000;

/**
 * Chunk size for SQL seed files run by `wrangler d1 execute --file`: its statement splitter takes
 * time that grows faster than a statement's length (1.4 MB of artifact: ~7 s in 90 KB statements, ~0.5 s in 4 KB).
 */
export const SEED_CHUNK_BYTES = 4_000;

/** Consecutive pieces of `text`, each at most `maxBytes` quoted UTF-8 bytes; never splits a surrogate pair. */
export function splitIntoChunks(text: string, maxBytes = MAX_CHUNK_BYTES): string[] {
  if (maxBytes < 8) throw new RangeError(`chunk size ${maxBytes} is too small for one character`);
  const chunks: string[] = [];
  let start = 0;
  do {
    const end = utf8PrefixLength(text, maxBytes, start, true);
    chunks.push(text.slice(start, end));
    start = end;
  } while (start < text.length);
  return chunks;
}

/**
 * The end index of the longest piece of `text` from `start` that fits `maxBytes` UTF-8 bytes
 * (`quoted`: a `'` counts twice, as in an SQL literal), never splitting a surrogate pair.
 */
export function utf8PrefixLength(text: string, maxBytes: number, start = 0, quoted = false): number {
  let bytes = 0;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
    const width = pair ? 4 : c < 0x80 ? (quoted && c === 0x27 ? 2 : 1) : c < 0x800 ? 2 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += pair ? 2 : 1;
  }
  return i;
}

/**
 * UTF-8 size of a string, as the `bytes` column records it and TextEncoder would encode it (a lone
 * surrogate as U+FFFD), counted without encoding: every history row measures its texts.
 */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}
