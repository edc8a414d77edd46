import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { HttpApiEvent, HttpResponse } from '../../../../lambda/adapters/http-api';
import { logger } from '../../../../lambda/adapters/observability';
import { orderStatusView } from '../../../../lambda/contracts/order-api';
import * as z from '../../../../lambda/shared/zod';
import { dynamo } from '../../support/aws-mocks';
import { lambdaContext, SECRET_CUSTOMER_ID } from '../../support/events';
import { useHandlerHarness } from '../../support/handler-harness';
import { bodyOf, fakeOrdersTable, getOrder, STOREFRONT } from '../../support/http-api';

type Handler = (event: HttpApiEvent, context: Context) => Promise<HttpResponse>;
let read: Handler;
let orders: Map<string, Record<string, unknown>>;

const ORDER_ID = '5f0c3a4e-1b2d-8c3e-9f4a-0b1c2d3e4f5a';
const stored = (overrides: Record<string, unknown> = {}) => ({
  orderId: ORDER_ID,
  customerId: SECRET_CUSTOMER_ID,
  lines: [{ productId: 'sku-apple', quantity: 1, unitPrice: 100 }],
  currency: 'EUR',
  totalAmount: 100,
  status: 'ACCEPTED',
  history: [{ status: 'ACCEPTED', at: '2025-03-14T10:00:00.000Z' }],
  version: 1,
  owner: 'iam:arn:aws:iam::123456789012:role/other',
  outbox: {},
  ...overrides,
});

beforeAll(async () => {
  logger.setLogLevel('SILENT');
  read = ((await import('../../../../lambda/handlers/api/get-order')) as { handler: Handler }).handler;
});

useHandlerHarness();

beforeEach(() => {
  orders = fakeOrdersTable();
});

describe('GET /orders/{orderId}', () => {
  it('GIVEN an order accepted but not yet validated WHEN read THEN 200 with status ACCEPTED, never 404', async () => {
    orders.set(ORDER_ID, stored());

    const response = await read(getOrder(ORDER_ID), lambdaContext);

    expect(response.statusCode).toBe(200);
    expect(z.strictObject(orderStatusView.shape).parse(bodyOf(response))).toEqual({
      orderId: ORDER_ID,
      status: 'ACCEPTED',
      history: [{ status: 'ACCEPTED', at: '2025-03-14T10:00:00.000Z' }],
    });
    expect(response.headers?.['Cache-Control']).toBe('no-store');
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('GIVEN a cancelled order WHEN read THEN its whole history and the reason, without customer data', async () => {
    orders.set(
      ORDER_ID,
      stored({
        status: 'CANCELLED',
        reason: 'OUT_OF_STOCK',
        history: [
          { status: 'ACCEPTED', at: '2025-03-14T10:00:00.000Z' },
          { status: 'VALIDATED', at: '2025-03-14T10:00:01.000Z', eventId: 'e-1' },
          { status: 'CANCELLED', at: '2025-03-14T10:00:02.000Z', eventId: 'e-2' },
        ],
      }),
    );

    const response = await read(getOrder(ORDER_ID), lambdaContext);

    expect(bodyOf(response)).toEqual({
      orderId: ORDER_ID,
      status: 'CANCELLED',
      reason: 'OUT_OF_STOCK',
      history: [
        { status: 'ACCEPTED', at: '2025-03-14T10:00:00.000Z' },
        { status: 'VALIDATED', at: '2025-03-14T10:00:01.000Z' },
        { status: 'CANCELLED', at: '2025-03-14T10:00:02.000Z' },
      ],
    });
    expect(response.body).not.toContain(SECRET_CUSTOMER_ID);
  });

  it('shows an IAM caller (the storefront backend) every order, also those put on the bus directly', async () => {
    const { owner: _, ...direct } = stored({ status: 'VALIDATED' });
    orders.set(ORDER_ID, direct);
    expect((await read(getOrder(ORDER_ID, STOREFRONT), lambdaContext)).statusCode).toBe(200);
  });

  it.each([
    ['unknown', '00000000-0000-4000-8000-000000000000'],
    ['not an identifier', 'no/such'],
  ])('fails with 404 problem details for an %s id', async (_case, id) => {
    const response = await read(getOrder(id), lambdaContext);
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(bodyOf(response)).toMatchObject({ status: 404, title: 'No such order' });
  });

  it('fails with 503 when the orders table is unavailable', async () => {
    dynamo.on(GetCommand).rejects(Object.assign(new Error('unavailable'), { $metadata: {} }));
    const response = await read(getOrder(ORDER_ID), lambdaContext);
    expect(response.statusCode).toBe(503);
  });
});
