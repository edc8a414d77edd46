import type { FaultPoint, FaultRule } from '../contracts/settings';
import type { Faults, Logger } from '../domain/ports';

/** Thrown on purpose by a `crash` fault rule; seeing it in a log means a test scenario, not a bug. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
  constructor(
    readonly point: FaultPoint,
    readonly orderIdPrefix: string,
  ) {
    super(`injected crash at ${point} (fault rule for order ids starting with "${orderIdPrefix}")`);
  }
}

export const NO_FAULTS: Faults = { at: async () => undefined };

export interface Delivery {
  /** Short name of the function, as a rule's `function` names it (e.g. `take-payment`). */
  readonly functionName: string;
  /** ApproximateReceiveCount of the SQS message: rules fire on the first `receives` deliveries only. */
  readonly receiveCount: number;
}

/** The first rule that fires; a rule with a `rate` draws `random()` (in [0, 1)) each time it matches. */
export function findFaultRule(
  rules: readonly FaultRule[],
  delivery: Delivery,
  point: FaultPoint,
  orderId: string,
  random: () => number = Math.random,
): FaultRule | undefined {
  return rules.find(
    (rule) =>
      rule.point === point &&
      orderId.startsWith(rule.orderIdPrefix) &&
      delivery.receiveCount <= rule.receives &&
      (rule.function === undefined || rule.function === delivery.functionName) &&
      (rule.rate === undefined || random() < rule.rate),
  );
}

/** Faults for one delivery of one record, from the FAULT_RULES of a non-production stage. */
export function faultsFor(rules: readonly FaultRule[], delivery: Delivery, logger: Logger): Faults {
  if (rules.length === 0) return NO_FAULTS;
  return {
    async at(point, orderId) {
      const rule = findFaultRule(rules, delivery, point, orderId);
      if (rule === undefined) return;
      logger.warn('fault injection', { point, action: rule.action, receiveCount: delivery.receiveCount });
      if (rule.action === 'crash') throw new InjectedFaultError(point, rule.orderIdPrefix);
      // Never settles: Lambda stops the invocation at its timeout and SQS redelivers the message.
      await new Promise<never>(() => undefined);
    },
  };
}
