import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { OrderPlaced } from '../../../lambda/contracts';
import { InvalidEventError } from '../../../lambda/domain/errors';
import { FixedClock, SequentialIds } from '../../../test/lambda/fakes/step-deps';
import { orderPlacedEvent, placeOrders } from '../src/order-producer';

const eventBridge = mockClient(EventBridgeClient);

const order = (orderId: string) => ({
  orderId,
  customerId: 'cust-1',
  currency: 'EUR',
  lines: [{ productId: 'sku-a', quantity: 3, unitPrice: 250 }],
});

const options = () => ({
  client: new EventBridgeClient({}),
  eventBusName: 'orders-bus',
  clock: new FixedClock(),
  ids: new SequentialIds(),
  publisher: { sleep: async () => undefined },
});

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).callsFake((input) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `eb-${i}` })),
  }));
});

describe('placeOrders', () => {
  it('GIVEN orders WHEN placed THEN each OrderPlaced carries its metadata and a computed total', async () => {
    const [detail] = await placeOrders([order('order-1')], options());

    expect(OrderPlaced.detail.parse(detail)).toEqual(detail);
    expect(detail).toEqual({
      metadata: {
        eventId: '10000000-0000-4000-8000-000000000001',
        correlationId: 'order-1',
        idempotencyKey: 'order-1:OrderPlaced',
        schemaVersion: '1',
        occurredAt: '2025-03-14T10:00:00.000Z',
      },
      data: { ...order('order-1'), totalAmount: 750 },
    });
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: 'orders-bus', DetailType: 'OrderPlaced' });
  });

  it('GIVEN 12 orders WHEN placed THEN they go in two calls', async () => {
    await placeOrders(
      Array.from({ length: 12 }, (_, i) => order(`order-${i}`)),
      options(),
    );
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 2,
    ]);
  });

  it('GIVEN the event id of an earlier attempt WHEN placed again THEN the same fact is re-sent', async () => {
    const [first] = await placeOrders([order('order-1')], options());
    const [again] = await placeOrders([{ ...order('order-1'), eventId: first?.metadata.eventId }], options());

    expect(again?.metadata.eventId).toBe(first?.metadata.eventId);
    expect(again?.metadata.idempotencyKey).toBe(first?.metadata.idempotencyKey);
  });

  it('GIVEN an explicit wrong total WHEN placed THEN it is sent as is, for validation to reject', async () => {
    const [detail] = await placeOrders([{ ...order('order-1'), totalAmount: 1 }], options());
    expect(detail?.data.totalAmount).toBe(1);
  });

  it('fails before sending anything when one order breaks the contract, naming the field', async () => {
    const invalid = { ...order('order 2'), lines: [{ productId: 'sku-a', quantity: 0, unitPrice: 1 }] };

    const error = await placeOrders([order('order-1'), invalid], options()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).issues.map((i) => i.path)).toEqual([
      'detail.metadata.correlationId',
      'detail.data.orderId',
      'detail.data.lines.0.quantity',
    ]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('orderPlacedEvent', () => {
  it('GIVEN no clock or ids WHEN built THEN it uses the time now and a random UUID', () => {
    const event = orderPlacedEvent(order('order-1'));
    expect(OrderPlaced.detail.safeParse(event.detail).success).toBe(true);
  });
});
