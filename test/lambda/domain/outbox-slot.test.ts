import { describe, expect, it } from '@jest/globals';
import { OrderPlaced, type OrderPlacedDetail, OrderValidated } from '../../../lambda/contracts';
import type { PlaceOrderRequest } from '../../../lambda/contracts/order-api';
import { buildEvent, type OutgoingEvent } from '../../../lambda/domain/events';
import { fulfilOrder } from '../../../lambda/domain/fulfil-order';
import type { OrderRecord } from '../../../lambda/domain/order';
import { outboxSlot, storedEvent } from '../../../lambda/domain/outbox-slot';
import { placeOrder } from '../../../lambda/domain/place-order';
import { releaseStock } from '../../../lambda/domain/release-stock';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { validateOrder } from '../../../lambda/domain/validate-order';
import { anOrder, uuid } from '../support/events';
import { charged, POLICY, type Shop, shop } from '../support/flow';

const CALLER = 'iam:arn:aws:iam::123456789012:role/storefront-backend';

interface FlowRun {
  readonly orderId: string;
  /** Every event published, in order. */
  readonly published: OutgoingEvent[];
  /** What the order's slot read back as when each event was published. */
  readonly readBack: (OutgoingEvent | undefined)[];
  /** The order item's size after each write, measured when its event was published. */
  readonly sizes: number[];
}

/** Places `order` through the API and runs every step on the event the previous one published. */
async function runFlow(s: Shop, order: PlaceOrderRequest): Promise<FlowRun> {
  const run = {
    published: [] as OutgoingEvent[],
    readBack: [] as (OutgoingEvent | undefined)[],
    sizes: [] as number[],
  };
  const publish = s.publisher.publish.bind(s.publisher);
  s.publisher.publish = async (events) => {
    await publish(events);
    for (const event of events) {
      const orderId = event.detail.data.orderId;
      run.published.push(structuredClone(event));
      run.readBack.push(s.orders.storedEvent(orderId));
      run.sizes.push(itemSize(s.orders.items.get(orderId) ?? {}));
    }
  };
  const { orderId } = await placeOrder(
    { caller: CALLER, idempotencyKey: `key-${order.customerId}`, order },
    s,
  );
  const deps = { ...s, policy: POLICY };
  const steps: Record<string, (detail: never) => Promise<unknown>> = {
    OrderPlaced: (d) => validateOrder(d, deps),
    OrderValidated: (d) => reserveStock(d, deps),
    StockReserved: (d) => takePayment(d, deps),
    PaymentSucceeded: (d) => fulfilOrder(d, deps),
    PaymentFailed: (d) => releaseStock(d, deps),
  };
  for (let i = 0; i < run.published.length; i += 1) {
    const event = run.published[i] as OutgoingEvent;
    await steps[event.detailType]?.(event.detail as never);
  }
  return { orderId, ...run };
}

/** An order request (no id: the API derives it). */
function request(overrides: Partial<PlaceOrderRequest> = {}): PlaceOrderRequest {
  const { orderId: _id, ...order } = anOrder(overrides);
  return order;
}

/**
 * The size DynamoDB bills an item by ("Item sizes" in the DynamoDB developer guide): names and strings in
 * UTF-8 bytes, a number about one byte per two significant digits plus one, 3 bytes per list or map and
 * 1 per element. Hand-written: no SDK helper computes it.
 */
function itemSize(item: object): number {
  const size = (value: unknown): number => {
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (typeof value === 'number') {
      const digits = String(value)
        .replace(/\D/g, '')
        .replace(/^0+|0+$/g, '');
      return Math.ceil(digits.length / 2) + 1;
    }
    if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + size(v), 0);
    if (value !== null && typeof value === 'object') {
      return 3 + Object.entries(value).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + size(v), 0);
    }
    return 1;
  };
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + size(v), 0);
}

const FLOWS: readonly (readonly [string, string, Record<string, number>, string?])[] = [
  ['fulfilled', 'cus-1001', { 'sku-apple': 10, 'sku-pear': 10 }],
  ['rejected', 'cus-1002', { 'sku-apple': 10, 'sku-pear': 10 }, 'JPY'],
  ['out of stock', 'cus-1003', { 'sku-apple': 0, 'sku-pear': 10 }],
  ['declined and compensated', 'declined-1004', { 'sku-apple': 10, 'sku-pear': 10 }],
];

describe('the outbox slot', () => {
  it.each(FLOWS)(
    'GIVEN an order %s WHEN each step has written THEN the slot reads back as exactly the event it published',
    async (_flow, customerId, stock, currency = 'EUR') => {
      const { published, readBack } = await runFlow(shop({ ...stock }), request({ customerId, currency }));

      expect(published.length).toBeGreaterThanOrEqual(2);
      expect(readBack).toEqual(published);
    },
  );

  it('GIVEN a fulfilled order WHEN stored THEN the slot keeps the event id alone: the item holds the rest', async () => {
    const s = shop();
    const { orderId } = await runFlow(s, request({ customerId: 'cus-2001' }));

    const order = s.orders.items.get(orderId) as OrderRecord;
    expect(order.status).toBe('FULFILLED');
    expect(order.outbox).toEqual({
      detailType: 'OrderFulfilled',
      detail: { metadata: { eventId: storedEvent(order).detail.metadata.eventId }, data: {} },
    });
  });

  it('GIVEN a payment captured WHEN stored THEN the slot keeps what the item does not hold under that name: the payment id', async () => {
    const s = shop();
    const paid = await charged(s, anOrder({ orderId: 'order-paid' }));

    expect(s.orders.items.get('order-paid')?.outbox).toEqual({
      detailType: 'PaymentSucceeded',
      detail: {
        metadata: { eventId: paid.metadata.eventId },
        data: { paymentId: (paid.data as { paymentId: string }).paymentId },
      },
    });
  });

  it.each([
    [1, 'sku-espresso-250g'],
    [2, 'sku-espresso-250g'],
  ])(
    'GIVEN an order of %i line(s) WHEN it moves through every step THEN its item stays within one write unit (1 KB)',
    async (lineCount, productId) => {
      const lines = Array.from({ length: lineCount }, (_, i) => ({
        productId: `${productId}-${i}`,
        quantity: 3,
        unitPrice: 12_990,
      }));
      const stock = Object.fromEntries(lines.map((l) => [l.productId, 100]));
      const order = { customerId: 'cus-123456', currency: 'EUR', lines, totalAmount: 38_970 * lineCount };

      const { published, sizes } = await runFlow(shop(stock), order);

      expect(published.map((e) => e.detailType)).toContain('OrderFulfilled');
      expect(sizes).toHaveLength(5);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1024);
    },
  );

  it('GIVEN a slot written in full, as before slots were compacted, WHEN read back THEN it is the stored event unchanged', () => {
    const validated = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), {
      orderId: 'order-1',
      eventId: uuid(2),
      occurredAt: new Date('2025-03-14T10:00:00.000Z'),
      causationId: uuid(1),
    });
    const order: OrderRecord = {
      ...anOrder({ orderId: 'order-1' }),
      status: 'VALIDATED',
      history: [{ status: 'VALIDATED', at: 'a later time', eventId: uuid(9) }],
      version: 1,
      outbox: { detailType: validated.detailType, detail: validated.detail },
    };

    expect(storedEvent(order)).toEqual(validated);
  });

  it('GIVEN an event whose metadata do not match its transition WHEN stored THEN it is stored in full and reads back unchanged', () => {
    const placed = buildEvent(OrderValidated, anOrder({ orderId: 'order-1' }), {
      orderId: 'order-1',
      eventId: uuid(2),
      occurredAt: new Date('2025-03-14T09:59:59.000Z'),
    });
    const source = {
      orderId: 'order-1',
      at: '2025-03-14T10:00:00.000Z',
      causationId: uuid(1),
      attributes: anOrder({ orderId: 'order-1' }),
    };

    const slot = outboxSlot(placed, source);

    expect(slot).toEqual({ detailType: placed.detailType, detail: placed.detail });
  });

  it('GIVEN an order a backend put on the bus WHEN created THEN its slot reads back as the published OrderValidated', async () => {
    const s = shop();
    const order = anOrder({ orderId: 'bus-order-1' });
    const placed = buildEvent(OrderPlaced, order, {
      orderId: order.orderId,
      eventId: uuid(5),
      occurredAt: new Date('2025-03-14T09:00:00.000Z'),
    }).detail as OrderPlacedDetail;

    await validateOrder(placed, { ...s, policy: POLICY });

    expect(s.publisher.published.map((e) => e.detailType)).toEqual(['OrderValidated']);
    expect(s.orders.storedEvent(order.orderId)).toEqual(s.publisher.published[0]);
  });
});
