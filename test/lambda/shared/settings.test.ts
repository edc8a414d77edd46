import { describe, expect, it } from '@jest/globals';
import { declineRule, faultRule } from '../../../lambda/shared/settings';

describe('faultRule', () => {
  it('GIVEN a rule with only prefix and point WHEN parsed THEN it crashes on the first delivery only', () => {
    expect(faultRule.parse({ orderIdPrefix: 'fault-x-', point: 'after-write' })).toEqual({
      orderIdPrefix: 'fault-x-',
      point: 'after-write',
      action: 'crash',
      receives: 1,
    });
  });

  it.each([
    [{ orderIdPrefix: 'ab', point: 'after-write' }, 'orderIdPrefix'],
    [{ orderIdPrefix: 'fault-', point: 'after-read' }, 'point'],
    [{ orderIdPrefix: 'fault-', point: 'after-write', receives: 11 }, 'receives'],
    [{ customerIdPrefix: 'ab', point: 'after-write' }, 'customerIdPrefix'],
  ])('fails for %j at %s', (input, path) => {
    expect(faultRule.safeParse(input).error?.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });

  it('GIVEN a rule by customer only WHEN parsed THEN it needs no order id prefix', () => {
    expect(faultRule.parse({ customerIdPrefix: 'bench-', point: 'before-write' })).toEqual({
      customerIdPrefix: 'bench-',
      point: 'before-write',
      action: 'crash',
      receives: 1,
    });
  });
});

describe('declineRule', () => {
  it('fails without a reason', () => {
    expect(declineRule.safeParse({ minAmount: 1 }).success).toBe(false);
  });
});
