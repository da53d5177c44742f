import { BUILTIN_POLICIES } from '../gateway/policies';
import { UNRESOLVED_STRATEGY } from '../history/record';

// A request refused before it resolved a policy (a `model` that names nothing, a key not allowed
// it, a bad x-routing-policy header) records the `model` it sent as its policy, and any key chooses
// that name freely: metrics, rollups and spend reports that kept each such name would grow without
// bound. They report it under UNKNOWN_POLICY unless `model` can still name it (a built-in or saved
// policy, an expert id). A route that resolved its policy keeps the name, deleted since or not:
// what a removed policy cost is what the operator asks. The routes table keeps every name as sent.

/** Parentheses are in no policy name or expert id. */
const UNKNOWN_POLICY = '(unknown)';

const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`;
const BUILTIN_NAMES = [...BUILTIN_POLICIES.keys()].map(quoted).join(', ');

/**
 * Whether `model` can name the `policy` column now. It reads the policies and experts tables in the
 * statement itself, so it binds no parameter and stays one size however many there are (D1: 100
 * parameters, 100 KB a statement), and a rollup decides in the same transaction as its delete.
 */
const NAMEABLE = `(policy in (${BUILTIN_NAMES}) or policy in (select name from policies) or policy in (select id from experts))`;

/** SQL for the policy a `routes` row is reported under. */
export const ROUTE_POLICY_SQL = `case when strategy != ${quoted(UNRESOLVED_STRATEGY)} or ${NAMEABLE} then policy else ${quoted(UNKNOWN_POLICY)} end`;

/**
 * SQL for the policy a `daily_route_rollups` row is reported under. Retention rolls routes up as
 * ROUTE_POLICY_SQL reports them, but the rollups keep no strategy, and rows rolled up before it did
 * kept every name as sent. Only a resolved route calls an expert or answers, so a row that answered
 * or spent anything keeps its name; one that did neither keeps it only while `model` can name it. A
 * policy deleted since thus keeps all it spent, and only a day on which a key's requests to it were
 * all refused before any call (over budget) joins UNKNOWN_POLICY after retention: no cost moves.
 */
export const ROLLED_UP_POLICY_SQL = `case when errors < requests or prompt_tokens + completion_tokens > 0 or cost_usd > 0 or ${NAMEABLE}
    then policy else ${quoted(UNKNOWN_POLICY)} end`;
