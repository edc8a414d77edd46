import { describe, expect, it } from '@jest/globals';
import { matchesDeclineRule, SimulatedPaymentProvider } from '../../../lambda/domain/payment-provider';

const request = {
  orderId: 'order-1',
  customerId: 'cust-1',
  amount: 1_000,
  currency: 'EUR',
  idempotencyKey: 'order-1:charge',
};

describe('SimulatedPaymentProvider', () => {
  it('GIVEN no matching rule WHEN charging THEN it captures with a payment id derived from the order id', async () => {
    const provider = new SimulatedPaymentProvider([{ minAmount: 5_000, reason: 'limit' }]);

    const first = await provider.charge(request);
    const again = await provider.charge(request);
    const other = await provider.charge({ ...request, orderId: 'order-2' });

    expect(first).toEqual({ status: 'captured', paymentId: expect.stringMatching(/^pay-[0-9a-f]{32}$/) });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('GIVEN several matching rules WHEN charging THEN the first one declines', async () => {
    const provider = new SimulatedPaymentProvider([
      { customerIdPrefix: 'vip-', reason: 'never' },
      { minAmount: 500, reason: 'amount above the card limit' },
      { customerIdPrefix: 'cust-', reason: 'card declined' },
    ]);

    expect(await provider.charge(request)).toEqual({
      status: 'declined',
      reason: 'amount above the card limit',
    });
  });
});

describe('matchesDeclineRule', () => {
  it.each([
    [{ minAmount: 1_000, reason: 'r' }, true],
    [{ minAmount: 1_001, reason: 'r' }, false],
    [{ customerIdPrefix: 'cust-', reason: 'r' }, true],
    [{ customerIdPrefix: 'declined-', reason: 'r' }, false],
    [{ minAmount: 1, customerIdPrefix: 'declined-', reason: 'r' }, false],
    [{ reason: 'a rule without conditions declines everything' }, true],
  ])('GIVEN rule %j WHEN matched against a 1,000 order of cust-1 THEN it matches: %s', (rule, expected) => {
    expect(matchesDeclineRule(rule, request)).toBe(expected);
  });
});
