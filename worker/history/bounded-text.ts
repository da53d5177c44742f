import { utf8Bytes, utf8PrefixLength } from '../db/artifact-chunks';

// A history row must fit D1's 2 MB row limit whatever a client sent or an expert answered. Texts
// past their budget keep their head and end with a marker giving the full size, so the record
// says what was cut; JSON columns stay valid JSON.

/** `text` within `maxBytes` UTF-8 bytes, marker included. */
export function boundText(text: string, maxBytes: number): string {
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return text;
  const marker = `\n[truncated by Conclave: ${bytes} bytes in full]`;
  return text.slice(0, utf8PrefixLength(text, Math.max(0, maxBytes - marker.length))) + marker;
}

/** A truncated JSON value as stored: `{truncated, bytes, head}` (in an array when the value was one). */
export interface TruncatedJson {
  truncated: true;
  /** UTF-8 size of the full JSON text. */
  bytes: number;
  /** The start of the full JSON text. */
  head: string;
}

/** `value` as JSON text within `maxBytes`; past it, a TruncatedJson that still parses. */
export function boundJson(value: unknown, maxBytes: number): string {
  const json = JSON.stringify(value);
  const bytes = utf8Bytes(json);
  if (bytes <= maxBytes) return json;
  const wrap = (head: string) => {
    const stub = JSON.stringify({ truncated: true, bytes, head } satisfies TruncatedJson);
    return Array.isArray(value) ? `[${stub}]` : stub;
  };
  // Escaping can grow the head (quotes, control characters), so shrink it until the stub fits.
  let budget = maxBytes - 64;
  for (;;) {
    const out = wrap(json.slice(0, utf8PrefixLength(json, Math.max(0, budget))));
    if (utf8Bytes(out) <= maxBytes || budget <= 0) return out;
    budget = Math.floor(budget / 2);
  }
}
