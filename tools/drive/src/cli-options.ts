import { InvalidArgumentError } from 'commander';

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
