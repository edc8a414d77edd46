import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher, PublishError } from '../../../lambda/adapters/event-publisher';
import { MAX_EVENT_BYTES, OrderValidated } from '../../../lambda/contracts';
import { EventTooLargeError } from '../../../lambda/domain/errors';
import { buildEvent, type OutgoingEvent } from '../../../lambda/domain/events';
import { anOrder } from '../support/events';

const eventBridge = mockClient(EventBridgeClient);

function events(count: number): OutgoingEvent[] {
  return Array.from({ length: count }, (_, i) =>
    buildEvent(OrderValidated, anOrder({ orderId: `order-${i}` }), {
      orderId: `order-${i}`,
      eventId: crypto.randomUUID(),
      occurredAt: new Date(),
    }),
  );
}

/** A PutEvents answer refusing the entries at `failedIndexes`. */
function answer(entries: number, failedIndexes: number[] = [], errorCode = 'ThrottlingException') {
  return {
    FailedEntryCount: failedIndexes.length,
    Entries: Array.from({ length: entries }, (_, i) =>
      failedIndexes.includes(i)
        ? { ErrorCode: errorCode, ErrorMessage: 'Rate exceeded' }
        : { EventId: `eb-${i}` },
    ),
  } satisfies Partial<PutEventsCommandOutput>;
}

function sentEventIds(call: number): string[] {
  const input = eventBridge.commandCalls(PutEventsCommand)[call]?.args[0].input;
  return (input?.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}').metadata.eventId);
}

function publisher(delays: number[] = [], random = () => 0.5) {
  return new EventBridgePublisher({
    client: new EventBridgeClient({}),
    eventBusName: 'orders-bus',
    sleep: async (ms) => {
      delays.push(ms);
    },
    random,
  });
}

beforeEach(() => {
  eventBridge.reset();
});

describe('EventBridgePublisher', () => {
  it('GIVEN 25 events WHEN published THEN they go in calls of at most 10 entries, on the bus, with the source of each event’s producer', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => answer(input.Entries.length));
    const batch = events(25);

    await publisher().publish(batch);

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    const first = calls[0]?.args[0].input.Entries?.[0];
    expect(first).toMatchObject({
      EventBusName: 'orders-bus',
      Source: 'orders.validate-order',
      DetailType: 'OrderValidated',
    });
    expect(JSON.parse(first?.Detail ?? '')).toEqual(batch[0]?.detail);
  });

  it('GIVEN a partial failure WHEN published THEN only the refused entries are sent again, after a backoff (scenario 12)', async () => {
    const batch = events(3);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce(answer(3, [1]))
      .resolvesOnce(answer(1));
    const delays: number[] = [];

    await publisher(delays).publish(batch);

    expect(sentEventIds(0)).toHaveLength(3);
    expect(sentEventIds(1)).toEqual([batch[1]?.detail.metadata.eventId]);
    expect(delays).toEqual([50]);
  });

  it('fails with a PublishError listing the refused entries once every attempt is used (scenario 12)', async () => {
    const batch = events(3);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce(answer(3, [0, 2]))
      .resolvesOnce(answer(2, [1]))
      .resolves(answer(1, [0], 'InternalFailure'));
    const delays: number[] = [];

    const error = await publisher(delays, () => 1)
      .publish(batch)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failedEntries).toEqual([
      {
        eventId: batch[2]?.detail.metadata.eventId,
        detailType: 'OrderValidated',
        errorCode: 'InternalFailure',
        errorMessage: 'Rate exceeded',
      },
    ]);
    expect(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      3, 2, 1, 1,
    ]);
    // Full jitter with random() at its maximum: the exponential ceiling of each wait.
    expect(delays).toEqual([100, 200, 400]);
  });

  it('GIVEN a response without result entries WHEN published THEN the unanswered entries count as refused', async () => {
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [] }).resolves(answer(1));

    await publisher().publish(events(1));

    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('fails with EventTooLargeError before sending anything when one event is too large (scenario 16)', async () => {
    const [small] = events(1);
    const huge = {
      ...small,
      detail: { ...small?.detail, padding: 'x'.repeat(MAX_EVENT_BYTES) },
    } as unknown as OutgoingEvent;

    await expect(publisher().publish([small as OutgoingEvent, huge])).rejects.toThrow(EventTooLargeError);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('fails when the call itself fails after the SDK retries (throttling of the call, scenario 18)', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(publisher().publish(events(1))).rejects.toThrow('Rate exceeded');
  });
});
