import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import type { HttpApiEvent, HttpResponse } from '../../../../lambda/adapters/http-api';
import { logger } from '../../../../lambda/adapters/observability';
import { orderIdFor } from '../../../../lambda/domain/ids';
import { eventBridge, publishedEntries } from '../../support/aws-mocks';
import { stubEnv } from '../../support/env';
import { lambdaContext } from '../../support/events';
import { useHandlerHarness } from '../../support/handler-harness';
import { bodyOf, fakeOrdersTable, getOrder, jwtCaller, postOrder } from '../../support/http-api';

type Handler = (event: HttpApiEvent, context: Context) => Promise<HttpResponse>;
let place: Handler;
let read: Handler;

const ORDER = {
  lines: [{ productId: 'sku-apple', quantity: 2, unitPrice: 1_500 }],
  currency: 'EUR',
  totalAmount: 3_000,
};
const ALICE = jwtCaller('alice-0001');
const BOB = jwtCaller('bob-0002');

beforeAll(async () => {
  // GIVEN both functions deployed on a stage with JWT authorization
  stubEnv('AUTHORIZATION_TYPE', 'jwt');
  logger.setLogLevel('SILENT');
  place = ((await import('../../../../lambda/handlers/api/place-order')) as { handler: Handler }).handler;
  read = ((await import('../../../../lambda/handlers/api/get-order')) as { handler: Handler }).handler;
});

useHandlerHarness();

beforeEach(() => {
  fakeOrdersTable();
});

describe('the API with JWT authorization', () => {
  it('places the order for the token subject, owned by issuer and subject', async () => {
    const response = await place(postOrder(ORDER, { authorizer: ALICE }), lambdaContext);

    expect(response.statusCode).toBe(202);
    expect(bodyOf(response).orderId).toBe(orderIdFor('jwt:https://issuer.example.com|alice-0001', 'key-1'));
    expect(publishedEntries()[0]?.detail.data).toMatchObject({ customerId: 'alice-0001' });
  });

  it('fails with 400 when the body names a customer: the customer is the token subject', async () => {
    const response = await place(
      postOrder({ ...ORDER, customerId: 'bob-0002' }, { authorizer: ALICE }),
      lambdaContext,
    );

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual([{ path: 'customerId', code: 'unrecognized_keys' }]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('gives two customers using the same key two orders', async () => {
    const alice = bodyOf(await place(postOrder(ORDER, { authorizer: ALICE }), lambdaContext));
    const bob = bodyOf(await place(postOrder(ORDER, { authorizer: BOB }), lambdaContext));

    expect(alice.orderId).not.toBe(bob.orderId);
    expect(publishedEntries()).toHaveLength(2);
  });

  it('shows a customer its own order and answers 404 to every other customer', async () => {
    const { orderId } = bodyOf(await place(postOrder(ORDER, { authorizer: ALICE }), lambdaContext));

    const own = await read(getOrder(String(orderId), ALICE), lambdaContext);
    const foreign = await read(getOrder(String(orderId), BOB), lambdaContext);

    expect(own.statusCode).toBe(200);
    expect(bodyOf(own)).toMatchObject({ orderId, status: 'ACCEPTED' });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('alice');
    // The same answer as for an id that does not exist: ids cannot be probed
    const unknown = await read(getOrder('00000000-0000-4000-8000-000000000000', BOB), lambdaContext);
    expect(bodyOf(foreign)).toEqual(bodyOf(unknown));
  });

  it('fails with 403 when the subject cannot be a customer id', async () => {
    const response = await place(postOrder(ORDER, { authorizer: jwtCaller('auth0|12345') }), lambdaContext);
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response).type).toMatch(/#subject-not-usable$/);
  });

  it('fails with 401 when the request carries an IAM identity instead of a token', async () => {
    const response = await place(
      postOrder(ORDER, { authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/x' } } }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(401);
  });
});
