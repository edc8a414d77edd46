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
