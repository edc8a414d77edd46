import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { HttpApiEvent, HttpResponse } from '../../../../lambda/adapters/http-api';
import { logger } from '../../../../lambda/adapters/observability';
import { ORDER_PLACED } from '../../../../lambda/contracts';
import {
  MAX_ORDER_REQUEST_BYTES,
  PROBLEM_TYPE_BASE,
  problemDetails,
} from '../../../../lambda/contracts/order-api';
import { orderIdFor, placedEventIdFor } from '../../../../lambda/domain/ids';
import * as z from '../../../../lambda/shared/zod';
import {
  acceptAllEntries,
  dynamo,
  eventBridge,
  healthyAws,
  publishedEntries,
  tableUnavailable,
} from '../../support/aws-mocks';
import { lambdaContext, SECRET_CUSTOMER_ID } from '../../support/events';
import { useHandlerHarness } from '../../support/handler-harness';
import { bodyOf, fakeOrdersTable, postOrder } from '../../support/http-api';

type Handler = (event: HttpApiEvent, context: Context) => Promise<HttpResponse>;
let handler: Handler;

const ORDER = {
  customerId: SECRET_CUSTOMER_ID,
  lines: [{ productId: 'sku-apple', quantity: 2, unitPrice: 1_500 }],
  currency: 'EUR',
  totalAmount: 3_000,
};
/** The storefront's role: the session name (task-1) is not part of the caller. */
const CALLER = 'iam:arn:aws:sts::123456789012:assumed-role/storefront';

let orders: Map<string, Record<string, unknown>>;

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  handler = ((await import('../../../../lambda/handlers/api/place-order')) as { handler: Handler }).handler;
});

const output = useHandlerHarness();

beforeEach(() => {
  orders = fakeOrdersTable();
});

const place = (event: HttpApiEvent) => handler(event, lambdaContext);

function expectProblem(response: HttpResponse, status: number, kind: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers?.['Content-Type']).toBe('application/problem+json');
  const body = z.strictObject(problemDetails.shape).parse(bodyOf(response));
  expect(body).toMatchObject({ status, type: `${PROBLEM_TYPE_BASE}#${kind}` });
  return body;
}

describe('POST /orders', () => {
  it('GIVEN a valid order and a new key WHEN posted THEN 202 with the order id, status ACCEPTED and its Location, the order stored before OrderPlaced is published', async () => {
    const response = await place(postOrder(ORDER));

    const orderId = orderIdFor(CALLER, 'key-1');
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ orderId, status: 'ACCEPTED' });
    expect(response.headers).toMatchObject({
      Location: `/orders/${orderId}`,
      'Content-Type': 'application/json',
    });
    expect(orders.get(orderId)).toMatchObject({ status: 'ACCEPTED', owner: CALLER, ...ORDER });
    const [entry] = eventBridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entry).toMatchObject({
      Source: 'orders.client',
      DetailType: ORDER_PLACED,
      EventBusName: 'orders-bus',
    });
    expect(publishedEntries()[0]?.detail.metadata.eventId).toBe(placedEventIdFor(orderId));
    // The put of the order came before the publish
    const [putOrder] = dynamo.commandCalls(PutCommand);
    const [publish] = eventBridge.commandCalls(PutEventsCommand);
    expect(publish && putOrder?.calledBefore(publish)).toBe(true);
    // The conditional put is the only record of the key: no other DynamoDB call
    expect(dynamo.calls()).toHaveLength(1);
  });

  it('logs identifiers, never the customer or the body', async () => {
    logger.setLogLevel('INFO');
    try {
      await place(postOrder(ORDER));
      await place(postOrder({ ...ORDER, totalAmount: 1 }));
    } finally {
      logger.setLogLevel('SILENT');
    }
    expect(output.text()).toContain('order accepted');
    expect(output.text()).toContain('idempotency-key-reused');
    expect(output.text()).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('GIVEN the same key and body WHEN posted again (a retry, or a crash after the publish) THEN the same order answers and its stored OrderPlaced is published again', async () => {
    const first = await place(postOrder(ORDER));
    // Another order of the keys in the body: the same order
    const reordered = {
      totalAmount: 3_000,
      currency: 'EUR',
      lines: ORDER.lines,
      customerId: SECRET_CUSTOMER_ID,
    };

    const second = await place(postOrder(reordered));

    expect(second.statusCode).toBe(202);
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(second.headers?.Location).toBe(first.headers?.Location);
    // One order: the retry's conditional put was refused and the stored order read back
    expect(orders.size).toBe(1);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
    // The very same event again, in case the first attempt died before it reached the bus
    const orderId = String(bodyOf(first).orderId);
    expect(publishedEntries().map((e) => e.detail.metadata.eventId)).toEqual([
      placedEventIdFor(orderId),
      placedEventIdFor(orderId),
    ]);
  });

  it('GIVEN an order the pipeline already took further WHEN the same key and body come again, however late THEN the same order answers with its current status and nothing is published', async () => {
    const first = await place(postOrder(ORDER));
    const orderId = String(bodyOf(first).orderId);
    // The key does not expire: the order item holds it for as long as the order exists
    orders.set(orderId, { ...orders.get(orderId), status: 'FULFILLED' });

    const late = await place(postOrder(ORDER));

    expect(late.statusCode).toBe(202);
    expect(bodyOf(late)).toEqual({ orderId, status: 'FULFILLED' });
    expect(late.headers?.Location).toBe(`/orders/${orderId}`);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('fails with 422 when the key is reused with another body, changing nothing', async () => {
    await place(postOrder(ORDER));

    const response = await place(postOrder({ ...ORDER, totalAmount: 3_001 }));

    expectProblem(response, 422, 'idempotency-key-reused');
    expect(response.body).not.toContain('orderId');
    expect(orders.size).toBe(1);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect([...orders.values()][0]?.totalAmount).toBe(3_000);
  });

  it('fails with 422 when the key is reused with another body after the order went on: the key never expires', async () => {
    const first = await place(postOrder(ORDER));
    const orderId = String(bodyOf(first).orderId);
    orders.set(orderId, { ...orders.get(orderId), status: 'FULFILLED' });

    const response = await place(postOrder({ ...ORDER, currency: 'USD' }));

    expectProblem(response, 422, 'idempotency-key-reused');
    expect(orders.get(orderId)).toMatchObject({ status: 'FULFILLED', currency: 'EUR' });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('GIVEN the first request with the key still in flight WHEN the same request comes again THEN it answers the first request’s order, and there is one order', async () => {
    // GIVEN a first request whose publish has not returned yet
    let release: () => void = () => undefined;
    let publishing: () => void = () => undefined;
    const firstIsPublishing = new Promise<void>((resolve) => {
      publishing = resolve;
    });
    eventBridge
      .on(PutEventsCommand)
      .callsFakeOnce((input: Parameters<typeof acceptAllEntries>[0]) => {
        publishing();
        return new Promise((resolve) => {
          release = () => resolve(acceptAllEntries(input));
        });
      })
      .callsFake(acceptAllEntries);
    const first = place(postOrder(ORDER));
    await firstIsPublishing;
    expect(orders.size).toBe(1);

    // WHEN the client sends the same request again
    const second = await place(postOrder(ORDER));

    // THEN it gets the same order at once, without waiting for the first
    const orderId = orderIdFor(CALLER, 'key-1');
    expect(second.statusCode).toBe(202);
    expect(bodyOf(second)).toEqual({ orderId, status: 'ACCEPTED' });
    expect(second.headers?.Location).toBe(`/orders/${orderId}`);
    // AND the first completes normally, with the same answer and still one order
    release();
    const answered = await first;
    expect(answered.statusCode).toBe(202);
    expect(bodyOf(answered)).toEqual(bodyOf(second));
    expect(orders.size).toBe(1);
    expect(new Set(publishedEntries().map((e) => e.detail.metadata.eventId))).toEqual(
      new Set([placedEventIdFor(orderId)]),
    );
  });

  it('fails with 503 and Retry-After when the bus refuses the event; the retry with the same key publishes it', async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('service unavailable'), { $metadata: {} }));

    const failed = await place(postOrder(ORDER));

    const problem = expectProblem(failed, 503, 'dependency-failed');
    expect(problem.detail).toMatch(/retry with the same Idempotency-Key/);
    expect(failed.headers?.['Retry-After']).toBe('1');
    // The order was stored before the publish failed: the retry finds it rather than writing another
    expect(orders.size).toBe(1);

    healthyAws();
    fakeOrdersTableKeeping(orders);
    const retried = await place(postOrder(ORDER));
    expect(retried.statusCode).toBe(202);
    expect(publishedEntries()).toHaveLength(1);
  });

  it('fails with 503 and Retry-After when the orders table is unavailable, publishing nothing', async () => {
    dynamo.on(PutCommand).rejects(Object.assign(tableUnavailable(), { $metadata: {} }));

    const failed = await place(postOrder(ORDER));

    expectProblem(failed, 503, 'dependency-failed');
    expect(failed.headers?.['Retry-After']).toBe('1');
    expect(orders.size).toBe(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'k'.repeat(129)],
    ['with unsafe characters', 'key with spaces'],
  ])('fails with 400 when the Idempotency-Key is %s', async (_case, key) => {
    expectProblem(await place(postOrder(ORDER, { key })), 400, 'invalid-idempotency-key');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('accepts the key as the draft’s quoted structured-field string', async () => {
    const response = await place(postOrder(ORDER, { key: '"key-1"' }));
    expect(bodyOf(response).orderId).toBe(orderIdFor(CALLER, 'key-1'));
  });

  it('fails with 400 naming the invalid fields, never their values', async () => {
    const response = await place(
      postOrder({
        ...ORDER,
        currency: 'euro',
        lines: [{ productId: 'sku-1', quantity: 0, unitPrice: 1 }],
        extra: SECRET_CUSTOMER_ID,
      }),
    );

    const problem = expectProblem(response, 400, 'invalid-body');
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(['currency', 'extra', 'lines.0.quantity']);
    expect(response.body).not.toContain('euro');
    expect(response.body).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('fails with 400 when the body is not JSON', async () => {
    const problem = expectProblem(await place(postOrder('{"customerId":')), 400, 'invalid-body');
    expect(problem.errors).toEqual([{ path: '(root)', code: 'invalid_json' }]);
  });

  it('fails with 400 when the IAM caller names no customer', async () => {
    const { customerId: _, ...anonymous } = ORDER;
    const problem = expectProblem(await place(postOrder(anonymous)), 400, 'invalid-body');
    expect(problem.errors).toEqual([{ path: 'customerId', code: 'invalid_type' }]);
  });

  it('fails with 413 when the body is larger than an order can be', async () => {
    const huge = JSON.stringify({ ...ORDER, padding: 'x'.repeat(MAX_ORDER_REQUEST_BYTES) });
    expectProblem(await place(postOrder(huge)), 413, 'body-too-large');
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['missing', undefined],
  ])('fails with 415 when the Content-Type is %s', async (_case, contentType) => {
    const event = postOrder(ORDER);
    const { 'content-type': _, ...headers } = event.headers;
    const response = await place({
      ...event,
      headers: contentType ? { ...headers, 'content-type': contentType } : headers,
    });
    expectProblem(response, 415, 'unsupported-media-type');
  });

  it('accepts a base64-encoded body and a charset parameter', async () => {
    const event = postOrder(ORDER, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    const response = await place({
      ...event,
      body: Buffer.from(event.body ?? '').toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.statusCode).toBe(202);
  });

  it('fails with 401 when the request reached the function without an IAM identity', async () => {
    const event = postOrder(ORDER);
    const { authorizer: _, ...requestContext } = event.requestContext;
    expectProblem(await place({ ...event, requestContext }), 401, 'not-authenticated');
  });
});

/** After healthyAws() reset the document client mock: the same orders again. */
function fakeOrdersTableKeeping(existing: Map<string, Record<string, unknown>>): void {
  const table = fakeOrdersTable();
  for (const [id, item] of existing) table.set(id, item);
  orders = table;
}
