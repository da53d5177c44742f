import { sql, type SQL } from 'drizzle-orm';
import { InvalidRequestError } from '../../router/errors';
import { routes } from './schema';

// Full-text search over the history's prompts and answers (routes_fts, migration 0003) and the calls
// each listed route really made.

/**
 * An operator's search text as an FTS5 query: every word, or "quoted phrase", must appear, in any
 * order (a trailing `*` keeps prefix search). Each term is quoted, so punctuation and FTS5 operators
 * in the text are searched for, never parsed.
 */
export function ftsQuery(text: string): string {
  const terms = [...text.matchAll(/"([^"]+)"|(\S+)/g)].map((m) => {
    const raw = (m[1] ?? m[2]!).trim();
    const prefix = !m[1] && raw.length > 1 && raw.endsWith('*');
    const body = (prefix ? raw.slice(0, -1) : raw).replaceAll('"', '""');
    return `"${body}"${prefix ? '*' : ''}`;
  });
  if (terms.length === 0) throw new InvalidRequestError('q needs at least one word to search for', 'invalid_search', 'q');
  return terms.join(' ');
}

/** Routes whose prompt or answer matches the search text. */
export function routeMatches(text: string): SQL {
  return sql`${routes}.rowid in (select rowid from routes_fts where routes_fts match ${ftsQuery(text)})`;
}

/**
 * The calls a route actually made, in the order they started, as JSON: [{expert, role, status}].
 * Columns are spelled out with their tables: drizzle leaves them unqualified in a select, where
 * `id` inside the subquery would be the call's own.
 */
export const calledColumn = sql<string | null>`(select json_group_array(json_object('expert', c.expert_id, 'role', c.role, 'status', c.status))
  from (select expert_id, role, status from route_calls where route_calls.route_id = routes.id order by route_calls.created_at, route_calls.id) c)`;
