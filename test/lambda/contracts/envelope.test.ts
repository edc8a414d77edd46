import { describe, expect, it, jest } from '@jest/globals';
import {
  DETAIL_TYPES,
  defineEvent,
  type EventMetadata,
  idempotencyKeyFor,
  identifier,
  MAX_ORDER_LINES,
  metadata,
  OrderPlaced,
  orderLines,
} from '../../../lambda/contracts';
import * as z from '../../../lambda/shared/zod';
import { exampleDetail } from '../../../scripts/event-examples';

/** A complete, valid metadata block; each test changes one field. */
const VALID: EventMetadata = exampleDetail(OrderPlaced).metadata;

/** The fields metadata parsing refuses, each once (an empty id breaks both the length and the pattern). */
function issuesOf(overrides: Record<string, unknown>): string[] {
  const result = metadata.safeParse({ ...VALID, ...overrides });
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))];
}

describe('event metadata', () => {
  it('accepts a complete metadata block', () => {
    expect(metadata.safeParse(VALID).error).toBeUndefined();
  });

  describe('eventId', () => {
    it('accepts a random UUID', () => {
      expect(issuesOf({ eventId: crypto.randomUUID() })).toEqual([]);
    });

    it.each([
      ['an order id', 'ord-1001'],
      ['a UUID without dashes', '3f1c0a4e9b2d4c6e8f0a1b2c3d4e5f60'],
      ['an empty string', ''],
    ])('fails for %s', (_case, eventId) => {
      // GIVEN metadata whose event id is not a UUID
      // WHEN it is parsed
      // THEN the event id is refused
      expect(issuesOf({ eventId })).toEqual(['eventId']);
    });
  });

  describe('occurredAt', () => {
    it.each([
      ['UTC', '2025-06-02T09:30:00Z'],
      ['UTC with milliseconds', '2025-06-02T09:30:00.125Z'],
      ['a positive offset', '2025-06-02T11:30:00+02:00'],
      ['a negative offset', '2025-06-02T04:00:00-05:30'],
    ])('accepts an ISO 8601 date-time in %s', (_case, occurredAt) => {
      expect(issuesOf({ occurredAt })).toEqual([]);
    });

    it.each([
      ['without an offset, whose instant is ambiguous', '2025-06-02T09:30:00'],
      ['a date only', '2025-06-02'],
      ['an impossible date', '2025-02-30T09:30:00Z'],
      ['an RFC 2822 date', 'Mon, 02 Jun 2025 09:30:00 GMT'],
      ['epoch milliseconds', 1_748_856_600_000],
    ])('fails for a time %s', (_case, occurredAt) => {
      expect(issuesOf({ occurredAt })).toEqual(['occurredAt']);
    });
  });

  describe('causationId', () => {
    it('accepts metadata without one, as on the entry event', () => {
      // GIVEN the metadata of an OrderPlaced, which answers no other event
      expect(VALID).not.toHaveProperty('causationId');
      // WHEN it is parsed THEN it is accepted
      expect(issuesOf({})).toEqual([]);
    });

    it('accepts the event id of the event it answers', () => {
      expect(issuesOf({ causationId: crypto.randomUUID() })).toEqual([]);
    });

    it('fails for a causation id that is not a UUID', () => {
      expect(issuesOf({ causationId: 'ord-1001:OrderPlaced' })).toEqual(['causationId']);
    });
  });

  describe('correlationId', () => {
    it('accepts an order id of the longest allowed length', () => {
      expect(issuesOf({ correlationId: 'o'.repeat(64) })).toEqual([]);
    });

    it.each([
      ['an empty id', ''],
      ['an id of 65 characters', 'o'.repeat(65)],
      ['an id with a space', 'ord 1001'],
      ['an id starting with a dash', '-ord-1001'],
      ['an id with a slash', 'ord/1001'],
    ])('fails for %s', (_case, correlationId) => {
      expect(issuesOf({ correlationId })).toEqual(['correlationId']);
    });
  });

  describe('schemaVersion', () => {
    it.each(['v1', '1.0', '', ' 1'])(
      'fails for the version %j, which is not a whole number',
      (schemaVersion) => {
        expect(issuesOf({ schemaVersion })).toEqual(['schemaVersion']);
      },
    );
  });

  describe('idempotencyKey', () => {
    it.each([
      ['an empty key', ''],
      ['a key of 161 characters', 'k'.repeat(161)],
    ])('fails for %s', (_case, idempotencyKey) => {
      expect(issuesOf({ idempotencyKey })).toEqual(['idempotencyKey']);
    });
  });
});

describe('idempotencyKeyFor', () => {
  it('joins the order id and the detail type', () => {
    expect(idempotencyKeyFor('ord-1001', 'OrderPlaced')).toBe('ord-1001:OrderPlaced');
  });

  it('gives each step of one order its own key', () => {
    const keys = DETAIL_TYPES.map((detailType) => idempotencyKeyFor('ord-1001', detailType));
    expect(new Set(keys).size).toBe(DETAIL_TYPES.length);
  });

  it('keeps keys unambiguous: no detail type contains the separator', () => {
    // Order ids may contain ':', so a key splits at its LAST ':'; a detail type with ':' would collide.
    for (const detailType of DETAIL_TYPES) expect(detailType).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it('fits metadata.idempotencyKey for the longest order id and every detail type', () => {
    // GIVEN the longest order id an identifier allows
    const longestOrderId = 'o'.repeat(64);

    // WHEN the key of each event about that order is checked against the metadata schema
    const refused = DETAIL_TYPES.filter(
      (detailType) =>
        !metadata.shape.idempotencyKey.safeParse(idempotencyKeyFor(longestOrderId, detailType)).success,
    );

    // THEN every key fits
    expect(refused).toEqual([]);
  });
});

describe('orderLines', () => {
  const line = { productId: 'sku-espresso-250g', quantity: 1, unitPrice: 1_250 };

  it(`accepts ${MAX_ORDER_LINES} lines, the most one stock transaction can reserve`, () => {
    expect(orderLines.safeParse(Array.from({ length: MAX_ORDER_LINES }, () => line)).success).toBe(true);
  });

  it(`fails for ${MAX_ORDER_LINES + 1} lines`, () => {
    expect(orderLines.safeParse(Array.from({ length: MAX_ORDER_LINES + 1 }, () => line)).success).toBe(false);
  });

  it('fails for an order without lines', () => {
    expect(orderLines.safeParse([]).success).toBe(false);
  });

  it('fails for a price in fractional units, because money travels in integer minor units', () => {
    expect(orderLines.safeParse([{ ...line, unitPrice: 12.5 }]).success).toBe(false);
  });
});

describe('defineEvent', () => {
  const define = (data: () => z.ZodMiniObject<{ orderId: typeof identifier }>) =>
    defineEvent({
      detailType: 'Probed',
      schemaVersion: '1',
      description: 'a probe',
      producer: 'client',
      data,
    });

  it('builds no schema until the contract is used: a function builds only the events it handles', () => {
    // GIVEN a contract WHEN only its routing fields are read THEN its data schema is not built
    const build = jest.fn(() => z.object({ orderId: identifier }));
    const contract = define(build);
    expect([contract.detailType, contract.source]).toEqual(['Probed', 'orders.client']);
    expect(build).not.toHaveBeenCalled();
  });

  it('builds the schemas once and validates with them like eager ones', () => {
    const build = jest.fn(() => z.object({ orderId: identifier }));
    const contract = define(build);
    // WHEN the detail is parsed twice THEN one data schema serves both, inside the one detail schema
    const detail = { metadata: VALID, data: { orderId: 'o-1' } };
    expect(contract.detail.safeParse(detail).success).toBe(true);
    expect(contract.detail.safeParse({ ...detail, data: { orderId: '' } }).success).toBe(false);
    expect(contract.detail).toBe(contract.detail);
    expect(contract.detail.shape.data).toBe(contract.data);
    expect(build).toHaveBeenCalledTimes(1);
  });
});
