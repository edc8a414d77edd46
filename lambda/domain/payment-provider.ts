import type { DeclineRule } from '../shared/settings';
import { deterministicId } from './ids';

export interface ChargeRequest {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  /** A real provider deduplicates charges on it, so a retried call never charges twice. */
  readonly idempotencyKey: string;
}

export type ChargeResult =
  | { readonly status: 'captured'; readonly paymentId: string }
  | { readonly status: 'declined'; readonly reason: string };

export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

/** A rule matches when every condition it sets holds; a rule without conditions declines everything. */
export function matchesDeclineRule(rule: DeclineRule, request: ChargeRequest): boolean {
  if (rule.minAmount !== undefined && request.amount < rule.minAmount) return false;
  if (rule.customerIdPrefix !== undefined && !request.customerId.startsWith(rule.customerIdPrefix))
    return false;
  return true;
}

/** The message of the log line the take-payment function writes per provider call. */
export const PAYMENT_PROVIDER_CALLED = 'payment provider called';

/** Told of every call the simulated provider receives: tests count calls and captures with it. */
export type ChargeListener = (request: ChargeRequest, result: ChargeResult) => void;

/**
 * Stands in for a payment service: deterministic, so tests and the demo can aim at either outcome
 * (PAYMENT_DECLINE_RULES, first match wins), and a repeated charge gets the same payment id. It records
 * every call it receives (`calls`, and the optional listener, which the handler turns into a log line).
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly calls: { readonly request: ChargeRequest; readonly result: ChargeResult }[] = [];

  constructor(
    private readonly declineRules: readonly DeclineRule[],
    private readonly onCharge?: ChargeListener,
  ) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const decline = this.declineRules.find((rule) => matchesDeclineRule(rule, request));
    const result: ChargeResult =
      decline !== undefined
        ? { status: 'declined', reason: decline.reason }
        : { status: 'captured', paymentId: deterministicId('pay', request.orderId) };
    this.calls.push({ request, result });
    this.onCharge?.(request, result);
    return result;
  }

  /** Distinct idempotency keys that captured money: what a real provider would have charged. */
  capturesOf(orderId: string): number {
    const keys = this.calls
      .filter((c) => c.request.orderId === orderId && c.result.status === 'captured')
      .map((c) => c.request.idempotencyKey);
    return new Set(keys).size;
  }
}
