import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type AnyContract,
  contractFor,
  type DataOf,
  type DetailOf,
  idempotencyKeyFor,
  type OrderSummary,
} from '../../../lambda/contracts';

/** A customer id no log line may ever contain: tests grep the logs for it. */
export const SECRET_CUSTOMER_ID = 'cust-PRIVATE-4711';

let sequence = 0;
/** A unique id per call, so tests never share state by accident. */
export function uniqueId(prefix = 'order'): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function anOrder(overrides: Partial<OrderSummary> = {}): OrderSummary {
  const lines = overrides.lines ?? [
    { productId: 'sku-apple', quantity: 2, unitPrice: 1_500 },
    { productId: 'sku-pear', quantity: 1, unitPrice: 700 },
  ];
  return {
    orderId: overrides.orderId ?? uniqueId(),
    customerId: SECRET_CUSTOMER_ID,
    currency: 'EUR',
    totalAmount: lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0),
    ...overrides,
    lines,
  };
}

/** A contract-valid detail for `data` (which must carry the order id). */
export function detailOf<C extends AnyContract>(
  contract: C,
  data: DataOf<C> & { orderId: string },
  metadata: Partial<DetailOf<C>['metadata']> = {},
): DetailOf<C> {
  return {
    metadata: {
      eventId: crypto.randomUUID(),
      correlationId: data.orderId,
      idempotencyKey: idempotencyKeyFor(data.orderId, contract.detailType),
      schemaVersion: contract.schemaVersion,
      occurredAt: '2025-03-14T09:26:53.000Z',
      ...metadata,
    },
    data,
  } as DetailOf<C>;
}

/** The EventBridge envelope as EventBridge delivers it to an SQS target, from the detail type's producer. */
export function envelope(detailType: string, detail: unknown, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': detailType,
    source: contractFor(detailType)?.source ?? 'orders.unknown',
    account: '123456789012',
    time: '2025-03-14T09:26:53Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...overrides,
  };
}

export function sqsRecord(
  body: string,
  options: { messageId?: string; receiveCount?: number } = {},
): SQSRecord {
  const messageId = options.messageId ?? crypto.randomUUID();
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1710408413000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1710408413001',
    },
    messageAttributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:queue',
    awsRegion: 'eu-west-1',
  };
}

/** An SQS record carrying `detail` as an EventBridge event of `contract`. */
export function eventRecord<C extends AnyContract>(
  contract: C,
  detail: DetailOf<C>,
  options: { messageId?: string; receiveCount?: number } = {},
): SQSRecord {
  return sqsRecord(JSON.stringify(envelope(contract.detailType, detail)), options);
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const lambdaContext = {
  functionName: 'order-pipeline-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-pipeline-test',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/order-pipeline-test',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

/** The Lambda context of an invocation that has `ms` left whenever asked: the retries it allows are exact. */
export function contextWithRemainingTime(ms: number): Context {
  return { ...lambdaContext, getRemainingTimeInMillis: () => ms };
}
