import type * as z from 'zod';
import { type DeclineRule, type FaultRule, faultPoint, faultRule } from '../lambda/shared/settings';
import { MAX_RECEIVE_COUNT } from './defaults';

/**
 * What only the test stages carry (dev, local, test and pull requests' stages, lib/config.ts): the
 * order and customer ids that drive the failure scenarios of the integration tests, the local demo and
 * the benchmark, and the fault rules and decline rule aimed at them. Production has none of it.
 */

/** Order ids with these prefixes drive the failure scenarios of the tests and the local demo. */
export const TEST_ORDER_PREFIX = {
  declinedCustomer: 'declined-',
  crashBeforeWrite: 'fault-crash-before-write-',
  crashAfterWrite: 'fault-crash-after-write-',
  crashBeforePublish: 'fault-crash-before-publish-',
  timeout: 'fault-timeout-',
  /** A stall in take-payment only: a timed-out invocation fails its whole batch, so one step keeps the blast radius small. */
  paymentTimeout: 'fault-payment-timeout-',
  /** validate-order fails before its write on every delivery: a dependency that stays down past maxReceiveCount. */
  unavailable: 'fault-unavailable-',
} as const;

/**
 * Customers of `npm run bench`: the only ones random faults (randomFaultRate) hit. By customer, not by
 * order id: the API names an order after its caller and idempotency key, while the customer is what
 * the client states.
 */
export const TEST_CUSTOMER_PREFIX = { bench: 'bench-' } as const;

/**
 * Every customer id of the benchmark: its declined customers carry the decline rule's prefix first
 * (TEST_DECLINE_RULES matches the start of the id).
 */
export const BENCH_CUSTOMER_PREFIXES: readonly string[] = [
  TEST_CUSTOMER_PREFIX.bench,
  `${TEST_ORDER_PREFIX.declinedCustomer}${TEST_CUSTOMER_PREFIX.bench}`,
];

/** Customers whose card the simulated payment provider declines. */
export const TEST_DECLINE_RULES: readonly DeclineRule[] = [
  { customerIdPrefix: TEST_ORDER_PREFIX.declinedCustomer, reason: 'card declined' },
];

/** One fault rule per failure scenario (lambda/adapters/fault-injector.ts says where each point is). */
export const TEST_FAULT_RULES: readonly z.input<typeof faultRule>[] = [
  { orderIdPrefix: TEST_ORDER_PREFIX.crashBeforeWrite, point: 'before-write' },
  { orderIdPrefix: TEST_ORDER_PREFIX.crashAfterWrite, point: 'after-write' },
  { orderIdPrefix: TEST_ORDER_PREFIX.crashBeforePublish, point: 'before-publish' },
  { orderIdPrefix: TEST_ORDER_PREFIX.timeout, point: 'after-write', action: 'timeout' },
  {
    orderIdPrefix: TEST_ORDER_PREFIX.paymentTimeout,
    point: 'after-write',
    action: 'timeout',
    function: 'take-payment',
  },
  // 10 receives is more than MAX_RECEIVE_COUNT (5): the message is dead-lettered before the rule lets go.
  {
    orderIdPrefix: TEST_ORDER_PREFIX.unavailable,
    point: 'before-write',
    receives: 10,
    function: 'validate-order',
  },
];

const FAULT_POINTS = faultPoint.options;

/**
 * The rules behind `randomFaultRate`: for the benchmark's customers, a crash at each fault point with an
 * equal share of the rate, so a delivery crashes with about that probability. Only on the first MAX_RECEIVE_COUNT - 1 deliveries:
 * these are transient faults, which retries must absorb; a fault that outlasts every delivery is the
 * dead-letter-and-redrive case (TEST_ORDER_PREFIX.unavailable).
 */
export function randomFaultRules(rate: number): FaultRule[] {
  if (rate <= 0) return [];
  // A customer id starts with one prefix of the list at most, so each point draws once per delivery.
  return BENCH_CUSTOMER_PREFIXES.flatMap((customerIdPrefix) =>
    FAULT_POINTS.map((point) =>
      faultRule.parse({
        customerIdPrefix,
        point,
        receives: MAX_RECEIVE_COUNT - 1,
        rate: rate / FAULT_POINTS.length,
      }),
    ),
  );
}
