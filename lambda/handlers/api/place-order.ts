import { dynamoDbDocumentClient } from '../../adapters/aws-clients';
import { readEnv } from '../../adapters/env';
import { EventBridgePublisher } from '../../adapters/event-publisher';
import { eventBridgeClient } from '../../adapters/eventbridge-client';
import {
  callerOf,
  customerOf,
  type HttpApiEvent,
  type HttpResponse,
  idempotencyKeyOf,
  jsonBodyOf,
  jsonResponse,
  ProblemError,
  respond,
} from '../../adapters/http-api';
import { logger, withObservability } from '../../adapters/observability';
import { DynamoOrdersRepository } from '../../adapters/orders-repository';
import { systemClock } from '../../adapters/system';
import { IDEMPOTENCY_KEY_HEADER, placeOrderRequest, placeOwnOrderRequest } from '../../contracts/order-api';
import { IdempotencyKeyReusedError, placeOrder } from '../../domain/place-order';
import { API_FUNCTION_ENVIRONMENTS } from '../../shared/environments';

const config = readEnv(API_FUNCTION_ENVIRONMENTS['place-order']);
const deps = {
  orders: new DynamoOrdersRepository(dynamoDbDocumentClient(), config.ORDERS_TABLE),
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: config.EVENT_BUS_NAME }),
  clock: systemClock,
  logger,
};

function classify(error: unknown): ProblemError | undefined {
  if (error instanceof IdempotencyKeyReusedError) {
    return new ProblemError(
      'idempotency-key-reused',
      `this ${IDEMPOTENCY_KEY_HEADER} already placed an order with another body: use a new key for a new order`,
    );
  }
  return undefined;
}

async function place(event: HttpApiEvent): Promise<HttpResponse> {
  const caller = callerOf(event, config.AUTHORIZATION_TYPE);
  const key = idempotencyKeyOf(event);
  const order =
    config.AUTHORIZATION_TYPE === 'jwt'
      ? { ...jsonBodyOf(event, placeOwnOrderRequest), customerId: customerOf(caller) }
      : jsonBodyOf(event, placeOrderRequest);
  logger.appendKeys({ idempotencyKey: key });
  const accepted = await placeOrder({ caller: caller.id, idempotencyKey: key, order }, deps);
  return jsonResponse(202, accepted, { Location: `/orders/${accepted.orderId}` });
}

/**
 * `POST /orders` (docs/openapi.yaml): one order per caller and Idempotency-Key, its OrderPlaced published.
 * The order item is the idempotency record (docs/adr/0007-the-order-item-is-the-idempotency-record.md).
 */
export const handler = withObservability(
  { stage: config.STAGE },
  async (event: HttpApiEvent): Promise<HttpResponse> => {
    logger.resetKeys();
    return respond(logger, () => place(event), classify);
  },
);
