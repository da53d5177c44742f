// --help, the refusal of what a script does not know and of a numeric flag that is not a number,
// shared by the service's scripts and the repository's own (npm start, eval, train, export, the
// benches): no imports beyond node:util, so any script can take it without loading the service.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses argv against `options` plus --help: --help prints `usage` and exits 0; an unknown flag, a
 * missing value or a stray argument prints what was wrong and the usage, and exits 2.
 */
export function cli<O extends Options>(usage: string, options: O, args = process.argv.slice(2)) {
  try {
    const { values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
    if ((values as { help?: boolean }).help) {
      console.log(usage);
      process.exit(0);
    }
    return values as ReturnType<typeof parseArgs<{ options: O }>>['values'];
  } catch (e) {
    usageError(usage, (e as Error).message);
  }
}

/** Prints what was wrong and the usage, and exits 2: a mistyped command line, not a crash (no stack). */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

/** What a number must be: at least `min`, at most `max`, and whole where `integer`. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/**
 * Plain decimal, a minus sign allowed: Number() also takes hex ('0x1F90'), exponents, surrounding
 * space and '' (as 0), and parseInt stops at the first bad character ('5x' is 5), so a typo became
 * another number instead of an error.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The number `text` spells in plain decimal when `rule` allows it, else undefined. */
export function parseNumber(text: string, rule: NumberRule = {}): number | undefined {
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || (rule.integer && !Number.isSafeInteger(n))) return undefined;
  if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) return undefined;
  return n;
}

/** `rule` in words, for an error message: "an integer >= 1", "a number from 0 to 1", "integers >= 1". */
export function describeNumber(rule: NumberRule, plural = false): string {
  const kind = plural ? (rule.integer ? 'integers' : 'numbers') : rule.integer ? 'an integer' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${kind} >= ${rule.min}`;
  if (rule.max !== undefined) return `${kind} <= ${rule.max}`;
  return kind;
}

/**
 * A numeric flag's value (undefined when the flag is absent), or a usage error naming the flag and
 * the value: `--rounds must be an integer >= 1, got '5x'`.
 */
export function numberFlag(usage: string, flag: string, value: string, rule?: NumberRule): number;
export function numberFlag(usage: string, flag: string, value: string | undefined, rule?: NumberRule): number | undefined;
export function numberFlag(usage: string, flag: string, value: string | undefined, rule: NumberRule = {}): number | undefined {
  if (value === undefined) return undefined;
  return parseNumber(value, rule) ?? usageError(usage, `${flag} must be ${describeNumber(rule)}, got '${value}'`);
}

/** A comma-separated numeric flag (`--budgets 0.1,0.5`; space around an item is ignored), each item as `rule` allows, or a usage error naming the flag and the whole value. */
export function numberListFlag(usage: string, flag: string, value: string, rule: NumberRule = {}): number[] {
  const items = value.split(',').map((item) => parseNumber(item.trim(), rule));
  if (items.some((n) => n === undefined)) usageError(usage, `${flag} must be ${describeNumber(rule, true)} separated by commas, got '${value}'`);
  return items as number[];
}
