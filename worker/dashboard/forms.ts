import type { z } from 'zod';
import type { ApiError } from './api-client';
import type { DashboardContext } from './guard';

// HTML forms post strings; the admin API's zod schemas want JSON. These helpers turn one into the
// other without judging the values (the schemas do), and turn the schemas' issues back into
// messages next to the fields they are about.

export type FormValues = Record<string, string | string[]>;
export type FieldErrors = Record<string, string>;

export async function readForm(c: DashboardContext): Promise<FormValues> {
  const body = await c.req.parseBody({ all: true });
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

/** Trimmed, with line ends as LF: browsers post a textarea's newlines as CRLF, which would reach the model as extra tokens. */
export function textOf(form: FormValues, name: string): string {
  const v = form[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).replace(/\r\n?/g, '\n').trim();
}

export function valuesOf(form: FormValues, name: string): string[] {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Empty → undefined; a number → the number; anything else stays a string so the schema names it. */
export function numberOf(form: FormValues, name: string): number | string | undefined {
  const s = textOf(form, name);
  if (s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

/** Comma- or newline-separated list. */
export function listOf(form: FormValues, name: string): string[] {
  return textOf(form, name)
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The first issue per top-level field (`skills.3` is shown at `skills`); whole-object issues under ''. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = String(issue.path[0] ?? keys[0] ?? '');
    out[field] ??= fieldMessage(issue);
  }
  return out;
}

/**
 * A number field's rule as what to type there: zod's "Invalid input: expected number, received
 * string" speaks of types, and a form field only ever posts strings. Other issues as zod words them.
 */
function fieldMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'enter a number';
  // `.int()` reports a fraction as an invalid type, expected 'int'.
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'enter a whole number';
  if (issue.code === 'too_small' && issue.origin === 'number') return `${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`;
  return issue.message;
}

/** An API refusal as a field error when it names a field (minus a body prefix such as `config.`), else a form error. */
export function apiFieldErrors(error: ApiError, prefix = ''): FieldErrors {
  const path = error.param && prefix && error.param.startsWith(prefix) ? error.param.slice(prefix.length) : (error.param ?? '');
  const param = path.split('.')[0]!;
  // The API prefixes its message with the body path; next to the field that path is noise.
  const message = param ? error.message.replace(/^[\w.]+: /, '') : error.message;
  return { [param]: message };
}

/** A query value that names one of the choices (own keys only: `toString` is no choice), or the default. */
export function choiceOf<K extends string>(value: string | undefined, choices: Record<K, unknown>, fallback: K): K {
  return value !== undefined && Object.hasOwn(choices, value) ? (value as K) : fallback;
}
