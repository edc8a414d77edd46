import type { EnvOf, EnvSpec } from '../shared/environments';
import * as z from '../shared/zod';

/** A function was deployed with missing or invalid environment variables: fix the stack, not the code. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Reads and validates the function's configuration once, at cold start, against its spec
 * (FUNCTION_ENVIRONMENTS in lambda/shared/environments.ts). Throws one ConfigurationError
 * naming every missing or invalid variable, so a bad deployment fails on its first invocation with a
 * message that says what to fix.
 */
export function readEnv<S extends EnvSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): EnvOf<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(spec)) {
    const result = z.safeParse(schema, env[name]);
    if (result.success) {
      values[name] = result.data;
    } else if (env[name] === undefined) {
      problems.push(`${name} is not set`);
    } else {
      for (const issue of result.error.issues) {
        const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        problems.push(`${name}${where}: ${issue.message}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `Invalid function configuration (environment):\n  - ${problems.join('\n  - ')}`,
    );
  }
  return values as EnvOf<S>;
}

/**
 * Refuses, at cold start, a production function that carries fault rules. Synth already refuses them for
 * a production stage; this catches a stack or a hand-edited function configuration that sets them anyway,
 * before the first record could be crashed on purpose.
 */
export function refuseFaultRulesInProduction(config: {
  readonly PRODUCTION: boolean;
  readonly FAULT_RULES: readonly unknown[];
}): void {
  if (!config.PRODUCTION || config.FAULT_RULES.length === 0) return;
  throw new ConfigurationError(
    `FAULT_RULES is set (${config.FAULT_RULES.length} rule(s)) but PRODUCTION is true or not set: fault ` +
      'injection is for test stages only. Remove FAULT_RULES from the function environment; on a test ' +
      'stage set PRODUCTION=false (lib/stacks/pipeline-stack.ts sets both from isProduction in lib/config.ts).',
  );
}
