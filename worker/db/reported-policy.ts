import { BUILTIN_POLICIES } from '../gateway/policies';

// A refused request records the `model` it sent as its policy, and any key chooses that name
// freely: metrics, rollups and spend reports that kept each name would grow without bound (and
// clutter the operator's reports). They report every name that `model` cannot name, a built-in or
// saved policy or an expert id, under UNKNOWN_POLICY; a policy or expert deleted later joins it.
// The routes table keeps every name as sent.

/** Parentheses are in no policy name or expert id. */
const UNKNOWN_POLICY = '(unknown)';

const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`;
const BUILTIN_NAMES = [...BUILTIN_POLICIES.keys()].map(quoted).join(', ');

/**
 * SQL for the policy a route is reported under: `column` where `model` can name it, else
 * UNKNOWN_POLICY. It reads the policies and experts tables in the statement itself, so it binds no
 * parameter and stays one size however many there are (D1: 100 parameters, 100 KB a statement),
 * and a rollup decides in the same transaction as its delete.
 */
export function reportedPolicySql(column: string): string {
  return `case when ${column} in (${BUILTIN_NAMES}) or ${column} in (select name from policies) or ${column} in (select id from experts)
    then ${column} else ${quoted(UNKNOWN_POLICY)} end`;
}
