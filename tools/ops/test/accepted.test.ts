import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { OrderPlaced } from '../../../lambda/contracts';
import { buildEvent } from '../../../lambda/domain/events';
import { placedEventIdFor } from '../../../lambda/domain/ids';
import { acceptedOrderRecord, type OrderRecord, orderSummaryOf } from '../../../lambda/domain/order';
import { withMessage } from '../../../test/support/with-message';
import { ddbMock, eventsMock, mockStacks, resetMocks, runMockedOps } from './support/fake-aws';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW - minutes * 60_000);

/** An order as place-order stores it, ACCEPTED at `at`, its OrderPlaced in the outbox slot. */
function accepted(orderId: string, at: Date): OrderRecord {
  const summary = {
    orderId,
    customerId: `cus-${orderId}`,
    lines: [{ productId: 'sku-1', quantity: 2, unitPrice: 150 }],
    currency: 'EUR',
    totalAmount: 300,
  };
  const event = buildEvent(OrderPlaced, summary, {
    orderId,
    eventId: placedEventIdFor(orderId),
    occurredAt: at,
  });
  return acceptedOrderRecord({ ...summary, owner: 'caller-1', at: at.toISOString(), event });
}

const OLD = accepted('ord-old', minutesAgo(30));
const OLDER = accepted('ord-older', minutesAgo(90));
const RECENT = accepted('ord-recent', minutesAgo(2));

let putEvents: 'accept' | 'refuse';

beforeEach(() => {
  resetMocks();
  mockStacks('dev');
  putEvents = 'accept';
  eventsMock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) =>
    putEvents === 'accept'
      ? { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })) }
      : {
          FailedEntryCount: input.Entries.length,
          Entries: input.Entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })),
        },
  );
  // Two pages, as a scan of a larger table returns them.
  ddbMock
    .on(ScanCommand)
    .resolvesOnce({ Items: [OLD, RECENT], LastEvaluatedKey: { orderId: 'ord-recent' } })
    .resolves({ Items: [OLDER] });
});

const ops = (argv: string) => runMockedOps(argv, { now: () => new Date(NOW), sleep: async () => {} });

describe('ops accepted', () => {
  it('GIVEN orders ACCEPTED 90, 30 and 2 minutes ago WHEN it runs THEN it lists the two older than 10 minutes, oldest first, and publishes nothing', async () => {
    const r = await ops('accepted');

    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(r.stdout.split('\n')).toEqual([
      '2 order(s) ACCEPTED for 10 minutes or more:',
      '  ord-older  accepted 2026-11-26T10:30:00.000Z (1h 30m ago)',
      '  ord-old  accepted 2026-11-26T11:30:00.000Z (30m 0s ago)',
      'Add --publish to put their OrderPlaced on the bus again (docs/runbook.md, "API server errors").',
      '',
    ]);
    const scans = ddbMock.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans).toHaveLength(2);
    expect(scans[0]).toMatchObject({
      TableName: 'orders-table',
      FilterExpression: '#status = :accepted',
      ExpressionAttributeValues: { ':accepted': 'ACCEPTED' },
    });
    expect(scans[1]?.ExclusiveStartKey).toEqual({ orderId: 'ord-recent' });
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('GIVEN the same orders WHEN it runs with --publish THEN each stored OrderPlaced goes on the bus as it was first built', async () => {
    const r = await ops('accepted --older-than 20 --publish');

    withMessage(r.stderr, () => expect(r.code).toBe(0));
    const entries = eventsMock.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => [e.EventBusName, e.Source, e.DetailType])).toEqual([
      ['orders-dev', 'orders.client', 'OrderPlaced'],
      ['orders-dev', 'orders.client', 'OrderPlaced'],
    ]);
    const built = (o: OrderRecord) =>
      buildEvent(OrderPlaced, orderSummaryOf(o), {
        orderId: o.orderId,
        eventId: placedEventIdFor(o.orderId),
        occurredAt: new Date(o.history[0]?.at ?? ''),
      }).detail;
    expect(entries.map((e) => JSON.parse(e.Detail ?? '{}'))).toEqual([built(OLDER), built(OLD)]);
    expect(r.stdout).toMatch(
      /published OrderPlaced of ord-older\n {2}published OrderPlaced of ord-old\nPublished 2 of 2\./,
    );
  });

  it('GIVEN the bus refuses every entry WHEN it runs with --publish THEN it names each order not published and exits 1', async () => {
    putEvents = 'refuse';

    const r = await ops('accepted --publish');

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not published: ord-older: .*InternalFailure/);
    expect(r.stderr).toMatch(/not published: ord-old: .*InternalFailure/);
    expect(r.stdout).toMatch(/Published 0 of 2\./);
  });

  it('GIVEN no order ACCEPTED for long WHEN it runs THEN it says so and exits 0', async () => {
    const r = await ops('accepted --older-than 120');

    withMessage(r.stderr, () => expect(r.code).toBe(0));
    expect(r.stdout).toBe('No order has been ACCEPTED for 120 minutes or more.\n');
  });

  it('refuses an age that is not a whole number of minutes from 1 to a week', async () => {
    const r = await ops('accepted --older-than 0');

    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--older-than must be a whole number from 1 to 10080/);
  });
});
