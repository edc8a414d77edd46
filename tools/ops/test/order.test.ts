import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { withMessage } from '../../../test/support/with-message';
import { ddbMock, eventsMock, mockStacks, resetMocks, runMockedOps } from './support/fake-aws';

const START = Date.parse('2026-11-26T12:00:00Z');
let clock: number;

beforeEach(() => {
  resetMocks();
  mockStacks('dev');
  clock = START;
  eventsMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })),
  }));
  ddbMock.on(PutCommand).resolves({});
});

/** The order item as the steps leave it after each read: one more transition per GetItem. */
function orderProgresses(...items: Record<string, unknown>[]): void {
  let reads = 0;
  ddbMock.on(GetCommand).callsFake(() => ({ Item: items[Math.min(reads++, items.length - 1)] }));
}

const item = (statuses: string[], extra: Record<string, unknown> = {}) => ({
  status: statuses.at(-1),
  history: statuses.map((status) => ({ status })),
  ...extra,
});

const ops = (argv: string) =>
  runMockedOps(argv, {
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
  });

describe('ops order', () => {
  it('GIVEN a working stage WHEN one order is placed with stock THEN it is followed step by step to FULFILLED and exits 0', async () => {
    orderProgresses(
      {},
      item(['VALIDATED']),
      item(['VALIDATED', 'RESERVED', 'PAID']),
      item(['VALIDATED', 'RESERVED', 'PAID', 'FULFILLED']),
    );

    const r = await ops('order --stock 1 --product sku-check');

    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'inventory-table',
      Item: { pk: 'PRODUCT#sku-check', sk: 'STOCK', available: 1 },
    });
    const [entry] = eventsMock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({
      EventBusName: 'orders-dev',
      Source: 'orders.client',
      DetailType: 'OrderPlaced',
    });
    const detail = JSON.parse(entry?.Detail ?? '{}') as { data: Record<string, unknown> };
    expect(detail.data).toMatchObject({
      orderId: 'ops-check-20261126120000000',
      currency: 'EUR',
      lines: [{ productId: 'sku-check', quantity: 1, unitPrice: 100 }],
    });
    expect(ddbMock.commandCalls(GetCommand).every((c) => c.args[0].input.ConsistentRead === true)).toBe(true);
    expect(r.stdout.split('\n').filter((l) => /^ {2}[A-Z]/.test(l))).toEqual([
      '  VALIDATED       after 1s',
      '  RESERVED        after 2s',
      '  PAID            after 2s',
      '  FULFILLED       after 3s',
    ]);
    expect(r.stdout).toMatch(
      /Order ops-check-20261126120000000 went through every step \(VALIDATED -> RESERVED -> PAID -> FULFILLED\) in 3s\./,
    );
  });

  it('fails when the order ends CANCELLED for lack of stock, saying to put stock first', async () => {
    orderProgresses(item(['VALIDATED', 'CANCELLED'], { reason: 'OUT_OF_STOCK' }));

    const r = await ops('order');

    expect(r.code).toBe(1);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(r.stdout).toMatch(
      /ended CANCELLED \(OUT_OF_STOCK\): VALIDATED -> CANCELLED\.\nPut stock first: add --stock 1\./,
    );
  });

  it('fails when no final state comes in time, pointing at the DLQs and logs', async () => {
    orderProgresses({}, item(['VALIDATED']));

    const r = await ops('order --stock 5 --timeout 10');

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /reached no final state in 10s \(VALIDATED\): `npm run ops -- dlq list --stage dev`/,
    );
  });
});
