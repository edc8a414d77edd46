import type { DeclineRule } from '../contracts/settings';
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

/**
 * Stands in for a payment service: deterministic, so tests and the demo can aim at either outcome
 * (PAYMENT_DECLINE_RULES, first match wins), and a repeated charge gets the same payment id.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  constructor(private readonly declineRules: readonly DeclineRule[]) {}

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const decline = this.declineRules.find((rule) => matchesDeclineRule(rule, request));
    if (decline !== undefined) return { status: 'declined', reason: decline.reason };
    return { status: 'captured', paymentId: deterministicId('pay', request.orderId) };
  }
}
