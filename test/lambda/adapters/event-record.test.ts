import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidRecordError, parseEventRecord } from '../../../lambda/adapters/event-record';
import { EVENT_CONTRACTS, OrderPlaced, PaymentSucceeded } from '../../../lambda/contracts';
import { anOrder, detailOf, envelope, eventRecord, SECRET_CUSTOMER_ID, sqsRecord } from '../support/events';
import { baseBody, hostileBody } from '../support/hostile';

function rejection(run: () => unknown): InvalidRecordError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidRecordError) return error;
    throw error;
  }
  throw new Error('expected the record to be rejected');
}

const placed = () => detailOf(OrderPlaced, anOrder({ orderId: 'order-1' }));

describe('parseEventRecord', () => {
  it('GIVEN an EventBridge event in an SQS record WHEN parsed THEN the typed detail and delivery facts come back', () => {
    const detail = placed();
    const record = eventRecord(OrderPlaced, detail, { messageId: 'm-1', receiveCount: 3 });

    const parsed = parseEventRecord(record, [OrderPlaced]);

    expect(parsed).toMatchObject({ detailType: 'OrderPlaced', detail, messageId: 'm-1', receiveCount: 3 });
    expect(parsed.eventBridgeId).toBe(JSON.parse(record.body).id);
  });

  it('GIVEN a function accepting several contracts WHEN parsed THEN the detail type selects the schema', () => {
    const order = anOrder();
    const detail = detailOf(PaymentSucceeded, { ...order, paymentId: 'pay-1' });

    const parsed = parseEventRecord(eventRecord(PaymentSucceeded, detail), EVENT_CONTRACTS);

    expect(parsed.detailType).toBe('PaymentSucceeded');
    if (parsed.detailType === 'PaymentSucceeded') expect(parsed.detail.data.paymentId).toBe('pay-1');
  });

  it('GIVEN a producer on a newer schema with an extra optional field WHEN parsed THEN it is accepted and the field dropped (scenario 20)', () => {
    const detail = placed();
    const newer = { ...detail, data: { ...detail.data, loyaltyTier: 'gold' } };

    const parsed = parseEventRecord(sqsRecord(JSON.stringify(envelope('OrderPlaced', newer))), [OrderPlaced]);

    expect(parsed.detail).toEqual(detail);
  });

  it('GIVEN a missing receive count WHEN parsed THEN it counts as the first delivery', () => {
    const record = eventRecord(OrderPlaced, placed());
    const parsed = parseEventRecord(
      { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '' } },
      [OrderPlaced],
    );
    expect(parsed.receiveCount).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"detail": ', [{ path: 'body', code: 'invalid_json' }]],
    ['JSON that is not an event', '[1,2]', [{ path: '(root)', code: 'invalid_type' }]],
  ])('fails for %s with its reason', (_, body, issues) => {
    expect(rejection(() => parseEventRecord(sqsRecord(body), [OrderPlaced])).issues).toEqual(issues);
  });

  it('fails for a detail type the function does not consume', () => {
    const record = sqsRecord(JSON.stringify(envelope('OrderValidated', placed())));
    expect(rejection(() => parseEventRecord(record, [OrderPlaced])).issues).toEqual([
      { path: 'detail-type', code: 'unknown_detail_type' },
    ]);
  });

  it.each(['evil.corp', 'orders.validate-order'])(
    'fails for an OrderPlaced from %s, which is not its producer’s source',
    (source) => {
      const record = sqsRecord(JSON.stringify(envelope('OrderPlaced', placed(), { source })));
      expect(rejection(() => parseEventRecord(record, [OrderPlaced])).issues).toEqual([
        { path: 'source', code: 'not_the_producer' },
      ]);
    },
  );

  it('fails for a schema violation, listing paths and codes but never the values', () => {
    const detail = placed();
    const broken = {
      ...detail,
      data: { ...detail.data, lines: [{ productId: 'sku-a', quantity: -1, unitPrice: 1.5 }] },
    };

    const error = rejection(() =>
      parseEventRecord(eventRecord(OrderPlaced, broken as typeof detail), [OrderPlaced]),
    );

    expect(error.issues).toEqual([
      { path: 'detail.data.lines.0.quantity', code: 'too_small' },
      { path: 'detail.data.lines.0.unitPrice', code: 'invalid_type' },
    ]);
    expect(error.message).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('fails when the metadata claims another order or another fact, since deduplication trusts it', () => {
    const detail = placed();
    const forged = {
      ...detail,
      metadata: { ...detail.metadata, correlationId: 'order-2', idempotencyKey: 'order-1:OrderValidated' },
    };

    expect(rejection(() => parseEventRecord(eventRecord(OrderPlaced, forged), [OrderPlaced])).issues).toEqual(
      [
        { path: 'detail.metadata.correlationId', code: 'not_the_order_id' },
        { path: 'detail.metadata.idempotencyKey', code: 'not_the_business_key' },
      ],
    );
  });

  it('fails for a body above the event size limit before parsing it (scenario 16)', () => {
    const body = JSON.stringify(envelope('OrderPlaced', { ...placed(), padding: 'x'.repeat(300 * 1024) }));
    expect(rejection(() => parseEventRecord(sqsRecord(body), [OrderPlaced])).issues).toEqual([
      { path: 'body', code: 'too_big' },
    ]);
  });

  it('fails for a record without a string body', () => {
    const record = { ...sqsRecord(''), body: { detail: {} } as unknown as string };
    expect(rejection(() => parseEventRecord(record, [OrderPlaced])).issues).toEqual([
      { path: 'body', code: 'invalid_type' },
    ]);
  });

  it('GIVEN the event the hostile ones are mutated from WHEN parsed THEN it is accepted', () => {
    expect(parseEventRecord(sqsRecord(baseBody()), [OrderPlaced]).detailType).toBe('OrderPlaced');
  });

  it('fails every one of 1,000 generated hostile events with a reason, without leaking values or polluting prototypes', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(hostileBody, ({ kind, body }) => {
        kinds.add(kind);
        const error = rejection(() =>
          parseEventRecord(sqsRecord(body, { messageId: 'm-hostile' }), [OrderPlaced]),
        );
        expect(error.issues.length).toBeGreaterThan(0);
        for (const issue of error.issues)
          expect(issue).toEqual({ path: expect.any(String), code: expect.any(String) });
        expect(error.message).not.toContain(SECRET_CUSTOMER_ID);
        expect(({} as Record<string, unknown>).metadata).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    // The generator really exercised every family of attack.
    expect(kinds.size).toBeGreaterThan(30);
  });
});
