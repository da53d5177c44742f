// --help and the refusal of what a script does not know, shared by the service's scripts and the
// repository's own (npm start, eval, train, export): no imports beyond node:util, so any script can
// take it without loading the service.
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
    process.stderr.write(`${(e as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
}
