import { type Command, CommanderError, InvalidArgumentError } from 'commander';

/**
 * Argument parsers shared by the command lines of tools/drive and scripts/: a bad value ends as a
 * commander usage error (exit code 2) whose message commander prefixes with the option and the value.
 */

/** A whole number from `min` to `max`, written in digits only: Number() would also take '1e3', '0x10' and ' 5'. */
export function wholeNumber(min: number, max: number, unit = '') {
  return (value: string): number => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) {
      throw new InvalidArgumentError(`Expected a whole number${unit} from ${min} to ${max}.`);
    }
    return n;
  };
}

export type CommandLine =
  | { readonly kind: 'parsed' }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

/**
 * Parses `argv` (without node and the script) with `command`, without letting commander print or exit:
 * `--help` comes back as its text, a bad command line as one line without commander's `error: ` prefix
 * ("unknown option '--oders'\n(Did you mean --orders?)" -> one line), for the caller to print and set
 * the exit code. The parsed values are then `command.opts()`.
 */
export function parseCommandLine(command: Command, argv: readonly string[]): CommandLine {
  let help = '';
  command.exitOverride().configureOutput({
    writeOut: (text) => {
      help += text;
    },
    writeErr: () => {},
  });
  try {
    command.parse([...argv], { from: 'user' });
    return { kind: 'parsed' };
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return { kind: 'help', text: help };
    return { kind: 'usage-error', message: err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ') };
  }
}
