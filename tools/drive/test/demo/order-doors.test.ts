import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { OrderStatusRead } from '@order-pipeline/pipeline-client/reads';
import { mockClient } from 'aws-sdk-client-mock';
import { loadStageConfig } from '../../../../lib/config';
import { BusOrderDoor, mapConcurrently } from '../../src/demo/order-doors';
import { buildScenario } from '../../src/demo/scenario';

const events = new EventBridgeClient({ region: 'us-east-1' });
const eventBridgeMock = mockClient(events);
const TARGETS = { eventBusName: 'bus' };

/** The orders table as the pipeline client reads it: `statuses` by order id. */
function reads(statuses: Record<string, OrderStatusRead> = {}) {
  const asked: string[][] = [];
  return {
    asked,
    orderStatuses: async (orderIds: readonly string[]) => {
      asked.push([...orderIds]);
      return new Map(Object.entries(statuses).filter(([id]) => orderIds.includes(id)));
    },
  };
}

const scenario = buildScenario({
  runId: 'door1',
  orders: 12,
  policy: loadStageConfig('local'),
  now: new Date('2026-11-26T10:00:00Z'),
  eventId: '7d0c9a52-3b1f-4a53-9a8e-9d7f3c2e1b10',
});

afterEach(() => {
  eventBridgeMock.reset();
});

describe('BusOrderDoor', () => {
  it('GIVEN 12 orders WHEN placed THEN 2 PutEvents calls (10 + 2) and each order keeps the id the scenario chose', async () => {
    eventBridgeMock.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
    }));
    const door = new BusOrderDoor({ events, reads: reads() }, TARGETS);

    const placed = await door.place(scenario.orders.map((o) => o.order));

    const sizes = eventBridgeMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes.sort()).toEqual([10, 2]);
    for (const { order } of scenario.orders) expect(placed.get(order.orderId)?.orderId).toBe(order.orderId);
  });

  it('fails before sending anything when an order breaks the contract', async () => {
    const door = new BusOrderDoor({ events, reads: reads() }, TARGETS);
    const first = scenario.orders[0]?.order;
    if (!first) throw new Error('the scenario has no order');

    await expect(door.place([{ ...first, currency: 'euro' }])).rejects.toThrow();
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('GIVEN orders in the table WHEN read THEN each that exists comes with its history in epoch ms', async () => {
    const table = reads({
      'o-1': {
        status: 'CANCELLED',
        reason: 'OUT_OF_STOCK',
        history: [{ status: 'VALIDATED', at: '2026-11-26T10:00:01.000Z' }],
      },
      'o-2': { status: 'FULFILLED', history: [] },
    });
    const door = new BusOrderDoor({ events, reads: table }, TARGETS);

    const views = await door.read(['o-1', 'o-2', 'o-3']);

    expect(table.asked).toEqual([['o-1', 'o-2', 'o-3']]);
    expect(views.get('o-1')).toEqual({
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      history: [{ status: 'VALIDATED', at: Date.parse('2026-11-26T10:00:01.000Z') }],
    });
    expect(views.get('o-2')).toEqual({ status: 'FULFILLED', reason: undefined, history: [] });
    expect(views.has('o-3')).toBe(false);
  });
});

describe('mapConcurrently', () => {
  it('keeps the items order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });

    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
