import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { dynamoDbClient, dynamoDbDocumentClient } from '../../adapters/aws-clients';
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
import { idempotency } from '../../adapters/idempotency';
import { logger, withObservability } from '../../adapters/observability';
import { DynamoOrdersRepository } from '../../adapters/orders-repository';
import { systemClock } from '../../adapters/system';
import { IDEMPOTENCY_KEY_HEADER, placeOrderRequest, placeOwnOrderRequest } from '../../contracts/order-api';
import { IdempotencyKeyReusedError, type PlaceOrderCommand, placeOrder } from '../../domain/place-order';
import { API_FUNCTION_ENVIRONMENTS } from '../../shared/environments';

const config = readEnv(API_FUNCTION_ENVIRONMENTS['place-order']);
const deps = {
  orders: new DynamoOrdersRepository(dynamoDbDocumentClient(), config.ORDERS_TABLE),
  publisher: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: config.EVENT_BUS_NAME }),
  clock: systemClock,
  logger,
};
const keys = idempotency({
  tableName: config.IDEMPOTENCY_TABLE,
  client: dynamoDbClient(),
  keyPrefix: 'place-order',
});
const placeOnce = keys.once((command: PlaceOrderCommand) => placeOrder(command, deps));
const REUSED = `this ${IDEMPOTENCY_KEY_HEADER} already placed an order with another body: use a new key for a new order`;

function classify(error: unknown): ProblemError | undefined {
  if (error instanceof IdempotencyValidationError || error instanceof IdempotencyKeyReusedError) {
    return new ProblemError('idempotency-key-reused', REUSED);
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new ProblemError(
      'request-in-progress',
      `the first request with this ${IDEMPOTENCY_KEY_HEADER} is still running: retry shortly with the same key`,
      undefined,
      { 'Retry-After': '1' },
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
  const accepted = await placeOnce({ caller: caller.id, idempotencyKey: key, order });
  return jsonResponse(202, accepted, { Location: `/orders/${accepted.orderId}` });
}

/** `POST /orders` (docs/openapi.yaml): accepts an order once per Idempotency-Key and publishes OrderPlaced. */
export const handler = withObservability(
  { stage: config.STAGE },
  async (event: HttpApiEvent, context: Context): Promise<HttpResponse> => {
    keys.config.registerLambdaContext(context);
    logger.resetKeys();
    return respond(logger, () => place(event), classify);
  },
);
