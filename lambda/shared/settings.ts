import * as z from './zod';

/**
 * Shapes of the settings that travel from lib/config.ts to the functions as JSON environment variables.
 * They live here, without CDK, so that synth and the handlers validate them with the same schema.
 */

export const declineRule = z.object({
  /** Decline when the order total (minor units) is at least this amount. */
  minAmount: z.optional(z.int().check(z.nonnegative())),
  /** Decline when the customer id starts with this prefix. */
  customerIdPrefix: z.optional(z.string().check(z.minLength(1))),
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type DeclineRule = z.infer<typeof declineRule>;

export const faultPoint = z.enum(['before-write', 'after-write', 'before-publish']);
export type FaultPoint = z.infer<typeof faultPoint>;

/**
 * A fault: orders whose id starts with `orderIdPrefix`, or whose customer's id starts with
 * `customerIdPrefix` (both, when a rule has both), crash (or stall past the timeout) at `point`, on the
 * first `receives` deliveries of their message; with `rate`, only on that share of those deliveries, at
 * random (the benchmark's faults at load). The customer is the one the order states: an order placed
 * through the API gets an id derived from its caller and key, so only its customer can mark it for a
 * test. Honoured only outside prod.
 */
export const faultRule = z
  .object({
    orderIdPrefix: z.optional(z.string().check(z.minLength(3))),
    customerIdPrefix: z.optional(z.string().check(z.minLength(3))),
    point: faultPoint,
    action: z._default(z.enum(['crash', 'timeout']), 'crash'),
    receives: z._default(z.int().check(z.minimum(1), z.maximum(10)), 1),
    /** Restrict to one function (its short name, e.g. `take-payment`); all when absent. */
    function: z.optional(z.string()),
    /** Probability that the rule fires on a delivery it matches; always when absent. */
    rate: z.optional(z.number().check(z.gt(0), z.maximum(1))),
  })
  .check(
    z.refine((rule) => rule.orderIdPrefix !== undefined || rule.customerIdPrefix !== undefined, {
      path: ['orderIdPrefix'],
      message: 'a fault rule needs orderIdPrefix or customerIdPrefix: without one it would hit every order',
      // Checked even when another field is wrong too, so one parse names every mistake.
      when: ({ value }) => typeof value === 'object' && value !== null,
    }),
  );
export type FaultRule = z.infer<typeof faultRule>;
