import { describe, expect, it } from '@jest/globals';
import { identifier } from '../../../lambda/contracts';
import { deterministicId } from '../../../lambda/domain/ids';

describe('deterministicId', () => {
  it('GIVEN one order id WHEN derived twice THEN the id is the same, and valid as a contract identifier', () => {
    const id = deterministicId('pay', 'order-1');
    expect(deterministicId('pay', 'order-1')).toBe(id);
    expect(identifier.parse(id)).toBe(id);
  });

  it('GIVEN different orders or prefixes WHEN derived THEN the ids differ', () => {
    expect(deterministicId('pay', 'order-1')).not.toBe(deterministicId('pay', 'order-2'));
    expect(deterministicId('pay', 'order-1')).not.toBe(deterministicId('ful', 'order-1'));
  });
});
