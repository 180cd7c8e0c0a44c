// Every command's flags are parsed here, so a flag a command does not know is bad usage (exit 2, with
// that command's usage) everywhere, rather than node:util's TypeError reaching the user as an
// "unexpected error" with exit 1.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parse errors carry one of these codes (unknown option, missing value, positional). */
const isParseArgsError = (e: unknown): e is Error =>
  e instanceof Error && /^ERR_PARSE_ARGS_/.test((e as { code?: string }).code ?? '');

type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

/** Every command takes `--help` / `-h`. */
const HELP_FLAG = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * The flags of `command` (strict: an unknown flag, a flag without its value or a stray positional
 * argument is a UsageError whose message ends with `usage`). With `--help` the usage is printed and
 * the answer is undefined: the command then ends with exit 0.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
): Values<O> | undefined {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv,
      options: { ...options, ...HELP_FLAG },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    if (!isParseArgsError(e)) throw e;
    throw new UsageError(`${command}: ${e.message}\n\n${usage.trimEnd()}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    return undefined;
  }
  return values as Values<O>;
}
