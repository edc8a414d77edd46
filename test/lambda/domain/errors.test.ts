import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { InvalidEventError, schemaIssues } from '../../../lambda/domain/errors';

describe('schemaIssues', () => {
  it('GIVEN a failed parse WHEN described THEN paths and codes remain and the offending values do not', () => {
    const schema = z.object({
      customerId: z.string().max(5),
      lines: z.array(z.object({ quantity: z.number() })),
    });
    const result = schema.safeParse({
      customerId: 'secret-customer',
      lines: [{ quantity: 'secret-quantity' }],
    });
    if (result.success) throw new Error('expected a failure');

    const issues = schemaIssues(result.error, 'detail');
    const error = new InvalidEventError('OrderPlaced', issues);

    expect(issues).toEqual([
      { path: 'detail.customerId', code: 'too_big' },
      { path: 'detail.lines.0.quantity', code: 'invalid_type' },
    ]);
    expect(error.message).not.toContain('secret');
  });

  it('GIVEN a failure at the root WHEN described THEN the path says so', () => {
    const result = z.string().safeParse(1);
    if (result.success) throw new Error('expected a failure');
    expect(schemaIssues(result.error)).toEqual([{ path: '(root)', code: 'invalid_type' }]);
  });
});
