import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { contractFor, DETAIL_TYPES, EVENT_CONTRACTS } from '../../../lambda/contracts';
import { exampleDetail } from '../../../scripts/event-examples';

/** Keys of an object schema that a producer must send. */
function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}

describe.each(EVENT_CONTRACTS.map((c) => [c.detailType, c] as const))('contract %s', (_, contract) => {
  it('GIVEN its documented example WHEN parsed THEN it is valid', () => {
    expect(contract.detail.safeParse(exampleDetail(contract)).success).toBe(true);
  });

  it('GIVEN a producer that added optional fields WHEN a current consumer parses THEN it still accepts it and ignores them (scenario 20)', () => {
    const example = exampleDetail(contract);
    const newer = {
      metadata: { ...example.metadata, traceparent: '00-abc-def-01' },
      data: { ...(example.data as object), giftWrap: true },
    };

    const parsed = contract.detail.parse(newer);

    expect(parsed).toEqual(contract.detail.parse(example));
  });

  it.each(requiredKeys(contract.data as unknown as z.ZodObject).map((key) => [key]))(
    'fails when the required data field %s is removed (scenario 20)',
    (key) => {
      const example = exampleDetail(contract);
      const { [key]: _removed, ...data } = example.data as Record<string, unknown>;

      const result = contract.detail.safeParse({ ...example, data });

      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([`data.${key}`]);
    },
  );
});

describe('event metadata', () => {
  const contract = EVENT_CONTRACTS[0];

  it.each(['eventId', 'correlationId', 'idempotencyKey', 'schemaVersion', 'occurredAt'])(
    'fails when the required metadata field %s is removed',
    (key) => {
      const example = exampleDetail(contract);
      const { [key as keyof typeof example.metadata]: _removed, ...metadata } = example.metadata;

      expect(contract.detail.safeParse({ ...example, metadata }).success).toBe(false);
    },
  );
});

describe('contractFor', () => {
  it('GIVEN every detail type WHEN looked up THEN exactly its contract is found, and unknown ones are not', () => {
    expect(new Set(DETAIL_TYPES).size).toBe(EVENT_CONTRACTS.length);
    for (const contract of EVENT_CONTRACTS) expect(contractFor(contract.detailType)).toBe(contract);
    expect(contractFor('OrderTeleported')).toBeUndefined();
  });
});
