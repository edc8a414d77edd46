import { InvalidArgumentError } from 'commander';
import { isStageName, STAGE_CHOICES } from '../../../../lib/config';

/** Argument parsers for commander: a bad value ends as a usage error (exit code 2) naming the option. */

/** `--stage`: a stage of lib/config.ts, pull request stages included. */
export function stageName(value: string): string {
  if (!isStageName(value)) throw new InvalidArgumentError(`unknown stage; use one of ${STAGE_CHOICES}.`);
  return value;
}

export function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
