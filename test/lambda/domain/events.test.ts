import { describe, expect, it } from '@jest/globals';
import { MAX_EVENT_BYTES, OrderRejected, OrderValidated } from '../../../lambda/contracts';
import { EventTooLargeError, InvalidEventError } from '../../../lambda/domain/errors';
import { buildEvent, eventEntrySize, putEventsEntrySize } from '../../../lambda/domain/events';
import { anOrder } from '../support/events';

const origin = {
  orderId: 'order-1',
  eventId: '00000000-0000-4000-8000-000000000001',
  occurredAt: new Date('2025-03-14T10:00:00Z'),
  causationId: '00000000-0000-4000-8000-000000000002',
};

describe('buildEvent', () => {
  it('GIVEN contract-valid data WHEN built THEN the metadata follows the house rules', () => {
    const event = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), origin);

    expect(event.detailType).toBe('OrderValidated');
    expect(event.detail.metadata).toEqual({
      eventId: origin.eventId,
      correlationId: 'order-1',
      causationId: origin.causationId,
      idempotencyKey: 'order-1:OrderValidated',
      schemaVersion: '1',
      occurredAt: '2025-03-14T10:00:00.000Z',
    });
  });

  it('GIVEN no causation WHEN built THEN the field is absent rather than undefined', () => {
    const event = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), {
      ...origin,
      causationId: undefined,
    });
    expect('causationId' in event.detail.metadata).toBe(false);
  });

  it('fails with InvalidEventError naming the path when the data breaks the contract', () => {
    const data = { orderId: 'order-1', customerId: 'c', reasons: [] };
    expect(() => buildEvent(OrderRejected, data, origin)).toThrow(
      new InvalidEventError('OrderRejected', [{ path: 'detail.data.reasons', code: 'too_small' }]),
    );
  });

  it('fails with EventTooLargeError when the entry is above the limit', () => {
    expect(() => buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), origin, 100)).toThrow(
      EventTooLargeError,
    );
  });
});

describe('putEventsEntrySize', () => {
  it('GIVEN multi-byte text WHEN sized THEN UTF-8 bytes count, and a set Time counts 14 bytes', () => {
    const entry = { Source: 'abc', DetailType: 'é', Detail: '{"x":"€"}', Resources: ['arn:1'] };

    expect(putEventsEntrySize(entry)).toBe(3 + 2 + 11 + 5);
    expect(putEventsEntrySize({ ...entry, Time: new Date() })).toBe(3 + 2 + 11 + 5 + 14);
  });

  it('GIVEN an event WHEN sized THEN its producer’s source, detail type and serialised detail count', () => {
    const event = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), origin);
    expect(eventEntrySize(event)).toBe(
      Buffer.byteLength('orders.validate-order') +
        'OrderValidated'.length +
        Buffer.byteLength(JSON.stringify(event.detail)),
    );
    expect(eventEntrySize(event)).toBeLessThan(MAX_EVENT_BYTES);
  });
});
