// Cloudflare D1's limits (developers.cloudflare.com/d1/platform/limits). Local workerd does not
// enforce all of them, so writers keep under them by construction and tests check every statement.

/** Bound parameters in one statement. */
export const D1_MAX_BOUND_PARAMS = 100;
/** One SQL statement, counted here with its bound values so either reading of the limit holds. */
export const D1_MAX_STATEMENT_BYTES = 100_000;
/** One string, BLOB or table row. */
export const D1_MAX_ROW_BYTES = 2_000_000;
