import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

/** Mocks of every client the handlers use; reset them to a healthy world before each test. */
export const dynamo = mockClient(DynamoDBDocumentClient);
export const eventBridge = mockClient(EventBridgeClient);

export function healthyAws(): void {
  dynamo.reset();
  eventBridge.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  eventBridge.on(PutEventsCommand).callsFake(acceptAllEntries);
}

/** PutEvents accepting every entry; pass it to `callsFake` after a `*Once()` (a new `on()` loses the default). */
export function acceptAllEntries(input: { Entries: PutEventsRequestEntry[] }) {
  return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })) };
}

/** Every entry sent to the bus, parsed. */
export function publishedEntries(): {
  detailType: string;
  detail: { metadata: { eventId: string }; data: Record<string, unknown> };
}[] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({ detailType: entry.DetailType ?? '', detail: JSON.parse(entry.Detail ?? '{}') }));
}

export const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

export const transactionCancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

export const throttled = () =>
  Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded'), {
    name: 'ProvisionedThroughputExceededException',
    $retryable: { throttling: true },
  });

export const tableUnavailable = () =>
  Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
