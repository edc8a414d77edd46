import { API_AUTHORIZATION_TYPES } from '../contracts/api-authorization';
import { currency } from '../contracts/envelope';
import { declineRule, faultRule } from './settings';
import * as z from './zod';

/**
 * The environment of every function: one map per function from variable name to schema. The stack sets
 * exactly the variables of a function's map (lib/stacks/pipeline-stack.ts, checked at synth) and the
 * handler reads exactly those (`readEnv`, lambda/adapters/env.ts), so the two sides cannot drift.
 * Here, without CDK or the AWS SDK, because both lib/ and the bundles import it.
 */

function json<T extends z.core.$ZodType>(schema: T) {
  const parsed = z.pipe(
    z.string(),
    z.transform((text: string, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'must be valid JSON', input: text });
        return z.NEVER;
      }
    }),
  );
  return z.pipe(parsed, schema);
}

/** Schemas for environment variables (always strings) and what they turn into. */
export const envVar = {
  string: z.string().check(z.trim(), z.minLength(1, 'must not be empty')),
  positiveInt: z.pipe(
    z.pipe(z.string().check(z.regex(/^\d+$/, 'must be a positive integer')), z.transform(Number)),
    z.int().check(z.positive(), z.maximum(Number.MAX_SAFE_INTEGER)),
  ),
  json,
  /** FAULT_RULES: set only outside production, so absent means "no faults". */
  faultRules: z._default(json(z.array(faultRule)), []),
  /**
   * PRODUCTION: `true` or `false`, set by the stack from the stage's `isProduction` (lib/config.ts).
   * Absent counts as production, so fault rules need an explicit `false` to run.
   */
  production: z._default(
    z.pipe(
      z.enum(['true', 'false'], 'must be "true" or "false"'),
      z.transform((value: 'true' | 'false') => value === 'true'),
    ),
    true,
  ),
};

export type EnvSpec = Record<string, z.core.$ZodType>;
/** What a function reads: each variable parsed by its schema. */
export type EnvOf<S extends EnvSpec> = { readonly [K in keyof S]: z.output<S[K]> };
/**
 * What the stack sets: every variable of the spec, as the string the function will read; `undefined`
 * leaves a variable with a default unset (FAULT_RULES in production).
 */
export type EnvValues<S extends EnvSpec> = { readonly [K in keyof S]: z.input<S[K]> };

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

/** Every order step reads the order it acts on and publishes what it did. */
const ORDER_STEP_ENV = { ...STAGE_ENV, EVENT_BUS_NAME: envVar.string, ORDERS_TABLE: envVar.string };

export const FUNCTION_ENVIRONMENTS = {
  'validate-order': {
    ...ORDER_STEP_ENV,
    CURRENCIES: envVar.json(z.array(currency).check(z.minLength(1))),
    MAX_ORDER_AMOUNT: envVar.positiveInt,
  },
  'reserve-stock': { ...ORDER_STEP_ENV, INVENTORY_TABLE: envVar.string },
  'take-payment': { ...ORDER_STEP_ENV, PAYMENT_DECLINE_RULES: envVar.json(z.array(declineRule)) },
  'release-stock': { ...ORDER_STEP_ENV, INVENTORY_TABLE: envVar.string },
  'fulfil-order': ORDER_STEP_ENV,
  analytics: {
    ...STAGE_ENV,
    ANALYTICS_TABLE: envVar.string,
    ANALYTICS_SHARDS: envVar.positiveInt,
    SEEN_MARKER_TTL_DAYS: envVar.positiveInt,
  },
} satisfies Record<string, EnvSpec>;

/** What both functions of the HTTP API read: they are no order steps, so no fault rules reach them. */
const API_ENV = {
  STAGE: envVar.string,
  ORDERS_TABLE: envVar.string,
  AUTHORIZATION_TYPE: z.enum(API_AUTHORIZATION_TYPES),
};

/**
 * The HTTP API's functions (lib/constructs/order-api.ts sets these variables and checks them at synth,
 * the handlers read them).
 */
export const API_FUNCTION_ENVIRONMENTS = {
  'place-order': { ...API_ENV, EVENT_BUS_NAME: envVar.string },
  'get-order': API_ENV,
} satisfies Record<string, EnvSpec>;

/** The functions of the pipeline, by their short name (POWERTOOLS_SERVICE_NAME, the handler's file). */
export type FunctionName = keyof typeof FUNCTION_ENVIRONMENTS;
export type FunctionEnv<N extends FunctionName> = EnvOf<(typeof FUNCTION_ENVIRONMENTS)[N]>;
