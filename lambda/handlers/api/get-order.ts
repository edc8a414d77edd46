import { dynamoDbDocumentClient } from '../../adapters/aws-clients';
import { readEnv } from '../../adapters/env';
import {
  callerOf,
  type HttpApiEvent,
  type HttpResponse,
  jsonResponse,
  ProblemError,
  respond,
} from '../../adapters/http-api';
import { logger, withObservability } from '../../adapters/observability';
import { DynamoOrdersRepository } from '../../adapters/orders-repository';
import { identifier } from '../../contracts';
import { orderViewFor } from '../../domain/order-view';
import { API_FUNCTION_ENVIRONMENTS } from '../../shared/environments';

const config = readEnv(API_FUNCTION_ENVIRONMENTS['get-order']);
const orders = new DynamoOrdersRepository(dynamoDbDocumentClient(), config.ORDERS_TABLE);

async function read(event: HttpApiEvent): Promise<HttpResponse> {
  const caller = callerOf(event, config.AUTHORIZATION_TYPE);
  const orderId = identifier.safeParse(event.pathParameters?.orderId);
  // An id that breaks the contract cannot name an order: as unknown as any other.
  const order = orderId.success ? await orders.get(orderId.data) : undefined;
  const view = orderViewFor(order, { id: caller.id, ownOrdersOnly: caller.authorization === 'jwt' });
  if (view === undefined)
    throw new ProblemError('order-not-found', 'no order with this id is visible to you');
  return jsonResponse(200, view);
}

/** `GET /orders/{orderId}` (docs/openapi.yaml): the order's status, history and reason. */
export const handler = withObservability(
  { stage: config.STAGE },
  (event: HttpApiEvent): Promise<HttpResponse> => respond(logger, () => read(event)),
);
