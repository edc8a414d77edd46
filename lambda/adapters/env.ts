import * as z from 'zod';
import { faultRule } from '../contracts/settings';

/** A function was deployed with missing or invalid environment variables: fix the stack, not the code. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function json<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Schemas for environment variables (always strings) and what they turn into. */
export const envVar = {
  string: z.string().trim().min(1, 'must not be empty'),
  positiveInt: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  json,
  /** FAULT_RULES: set only outside production, so absent means "no faults". */
  faultRules: json(z.array(faultRule)).default([]),
  /**
   * PRODUCTION: `true` or `false`, set by the stack from the stage's `isProduction` (lib/config.ts).
   * Absent counts as production, so fault rules need an explicit `false` to run.
   */
  production: z
    .enum(['true', 'false'], 'must be "true" or "false"')
    .transform((value) => value === 'true')
    .default(true),
};

/**
 * Where a function runs, as every function reads it. An explicit flag from the stack rather than a match
 * on STAGE: the stage config's `isProduction` is what synth checks, and a name pattern would let a new
 * production stage ("live", "prod-eu") through.
 */
export const STAGE_ENV = {
  STAGE: envVar.string,
  PRODUCTION: envVar.production,
  FAULT_RULES: envVar.faultRules,
};

export type EnvSpec = Record<string, z.ZodType>;
export type EnvOf<S extends EnvSpec> = { readonly [K in keyof S]: z.output<S[K]> };

/**
 * Reads and validates the function's configuration once, at cold start. Throws one ConfigurationError
 * naming every missing or invalid variable, so a bad deployment fails on its first invocation with a
 * message that says what to fix.
 */
export function readEnv<S extends EnvSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): EnvOf<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(spec)) {
    const result = schema.safeParse(env[name]);
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
