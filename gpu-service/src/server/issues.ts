// What a 400 says about a body zod refused. A union's own issue says only "Invalid input"; the
// field's real problem is in the alternative the value was meant for (a too-long `stop` array, a
// content part that is not text), or, when the value fits none, which shapes the field takes.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export interface Explained {
  /** The issue reported: the union's alternative's own where there was a union. */
  issue: Issue;
  /** From the body's root. */
  path: PropertyKey[];
  message: string;
}

const A: Record<string, string> = { int: 'an integer', array: 'an array', object: 'an object', undefined: 'undefined', null: 'null' };
const withArticle = (type: string) => A[type] ?? `a ${type}`;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** An alternative that failed on the value's type itself: not the one the client meant. */
const wrongShape = (branch: Issue[]) => branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0;

export function explainIssue(issue: Issue, input: unknown, base: PropertyKey[] = []): Explained {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path, message: issue.message };
  const meant = issue.errors.filter((b) => !wrongShape(b));
  const leaves = (meant.length ? meant : issue.errors).map((b) => explainIssue(b[0]!, input, path));
  const first = leaves[0]!;
  const key = (p: PropertyKey[]) => p.map(String).join('.');
  // Several alternatives refused the same value's type: say which types the field takes.
  if (leaves.length > 1 && leaves.every((l) => l.issue.code === 'invalid_type' && key(l.path) === key(first.path))) {
    const expected = [...new Set(leaves.map((l) => withArticle((l.issue as z.core.$ZodIssueInvalidType).expected)))];
    return { issue: first.issue, path: first.path, message: `expected ${expected.join(' or ')}, got ${withArticle(typeOf(valueAt(input, first.path)))}` };
  }
  return first;
}
