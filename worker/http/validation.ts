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
  const issues = parsed.error.issues;
  const issue = issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...(keys.length === 1 ? keys : [])].map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? unknownFields(keys) : (missingMessage(issues, issue, raw) ?? typesMessage(issue));
  throw new InvalidRequestError(`${what}${path ? `.${path}` : ''}: ${message}`, 'invalid_field', path || null);
}

function unknownFields(keys: readonly string[]): string {
  return `unknown field(s) ${keys.map((k) => `'${k}'`).join(', ')}`;
}

/**
 * A required field left out, which zod words as "expected string, received undefined" or "expected
 * nonoptional": said plainly, with the unknown fields beside it, the likely misspelling of it.
 */
function missingMessage(issues: readonly z.core.$ZodIssue[], issue: z.core.$ZodIssue, raw: unknown): string | null {
  if ((issue.code !== 'invalid_type' && issue.code !== 'invalid_union') || issue.path.length === 0) return null;
  const parent = issue.path.slice(0, -1);
  let object = raw;
  for (const key of parent) object = (object as Record<PropertyKey, unknown> | null | undefined)?.[key];
  if (typeof object !== 'object' || object === null || Object.hasOwn(object, issue.path.at(-1)!)) return null;
  const beside = issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === parent.length && i.path.every((k, n) => k === parent[n]));
  return beside?.code === 'unrecognized_keys' ? `missing; ${unknownFields(beside.keys)} sent` : 'missing';
}

/** A union of plain types says which would do, where zod says only "Invalid input". */
function typesMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_union') return issue.message;
  const expected = issue.errors.map((branch) => (branch[0]?.code === 'invalid_type' && branch[0].path.length === 0 ? branch[0].expected : null));
  if (expected.length === 0 || expected.includes(null)) return issue.message;
  return `${issue.message}: expected ${[...new Set(expected)].join(' or ')}`;
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
