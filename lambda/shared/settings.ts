import * as z from 'zod';

/**
 * Shapes of the settings that travel from lib/config.ts to the functions as JSON environment variables.
 * They live here, without CDK, so that synth and the handlers validate them with the same schema.
 */

export const declineRule = z.object({
  /** Decline when the order total (minor units) is at least this amount. */
  minAmount: z.number().int().nonnegative().optional(),
  /** Decline when the customer id starts with this prefix. */
  customerIdPrefix: z.string().min(1).optional(),
  reason: z.string().min(1).max(200),
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
    orderIdPrefix: z.string().min(3).optional(),
    customerIdPrefix: z.string().min(3).optional(),
    point: faultPoint,
    action: z.enum(['crash', 'timeout']).default('crash'),
    receives: z.number().int().min(1).max(10).default(1),
    /** Restrict to one function (its short name, e.g. `take-payment`); all when absent. */
    function: z.string().optional(),
    /** Probability that the rule fires on a delivery it matches; always when absent. */
    rate: z.number().gt(0).max(1).optional(),
  })
  .refine((rule) => rule.orderIdPrefix !== undefined || rule.customerIdPrefix !== undefined, {
    path: ['orderIdPrefix'],
    message: 'a fault rule needs orderIdPrefix or customerIdPrefix: without one it would hit every order',
    // Checked even when another field is wrong too, so one parse names every mistake.
    when: ({ value }) => typeof value === 'object' && value !== null,
  });
export type FaultRule = z.infer<typeof faultRule>;
