import { Token } from 'aws-cdk-lib';
import type { EnvSpec } from '../lambda/shared/environments';
import * as z from '../lambda/shared/zod';

/**
 * Checks the variables a function's spec names (lambda/shared/environments.ts) at synth, with the
 * schemas its handler reads them with, so a value the handler would refuse fails the synth instead of
 * every cold start. Values known only at deploy (table names, the bus name) are tokens and pass; an
 * unset variable passes only when its schema has a default. `fail` names the construct; the message
 * names the function and the variable.
 */
export function checkEnvironment(
  name: string,
  spec: EnvSpec,
  values: Readonly<Record<string, string | undefined>>,
  fail: (message: string) => never,
): void {
  for (const [variable, schema] of Object.entries(spec)) {
    const value = values[variable];
    if (value !== undefined && Token.isUnresolved(value)) continue;
    const parsed = z.safeParse(schema, value);
    if (parsed.success) continue;
    if (value === undefined) fail(`${name}'s ${variable} is not set: its handler reads it.`);
    fail(`${name}'s ${variable} is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`);
  }
}

/**
 * The variables of a function, exactly those its spec names, each checked by `checkEnvironment`. An
 * unset one is left out: the function applies its default.
 */
export function functionEnvironment(
  name: string,
  spec: EnvSpec,
  values: Readonly<Record<string, string | undefined>>,
  fail: (message: string) => never,
): Record<string, string> {
  checkEnvironment(name, spec, values, fail);
  const environment: Record<string, string> = {};
  for (const variable of Object.keys(spec)) {
    const value = values[variable];
    if (value !== undefined) environment[variable] = value;
  }
  return environment;
}
