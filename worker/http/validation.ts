import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError } from '../../router/errors';

/** Bodies above this are refused with 413 before parsing. */
export const MAX_BODY_BYTES = 1_000_000;

/** Reads a JSON body: 415 for a wrong content type, 413 when too large, 400 naming the bad field. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T, what = 'body'): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new InvalidRequestError(`content-type must be application/json, got '${type || 'none'}'`, 'unsupported_media_type', null, 415);
  }
  const length = c.req.header('content-length');
  const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
  if (declared !== null && declared > MAX_BODY_BYTES) throw tooLarge();
  // A declared length is what the runtime reads, no more: only a chunked body needs counting.
  const text = declared !== null ? await c.req.raw.text() : await readBounded(c.req.raw, MAX_BODY_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, 'invalid_json');
  }
  return parseWith(schema, raw, what);
}

/** Validates a value; the error names the first offending field as `param`. */
export function parseWith<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...(keys.length === 1 ? keys : [])].map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
  throw new InvalidRequestError(`${what}${path ? `.${path}` : ''}: ${message}`, 'invalid_field', path || null);
}

/**
 * The body as UTF-8 text, refused once more than `max` bytes have arrived: a chunked body declares
 * no length, and a string's length counts UTF-16 units, not the bytes that were sent.
 */
async function readBounded(req: Request, max: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(): InvalidRequestError {
  return new InvalidRequestError(`request body exceeds ${MAX_BODY_BYTES} bytes`, 'body_too_large', null, 413);
}
