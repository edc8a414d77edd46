import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { envVar, readEnv } from '../adapters/env';
import { eventRecordHandler } from '../adapters/event-record-handler';
import { logger, withObservability } from '../adapters/observability';
import { ORDER_STEP_ENV, orderStepDependencies } from '../adapters/order-step-runtime';
import { StockReserved } from '../contracts';
import { declineRule } from '../contracts/settings';
import { PAYMENT_PROVIDER_CALLED, SimulatedPaymentProvider } from '../domain/payment-provider';
import { takePayment } from '../domain/take-payment';

const config = readEnv({ ...ORDER_STEP_ENV, PAYMENT_DECLINE_RULES: envVar.json(z.array(declineRule)) });
const dependencies = orderStepDependencies('take-payment', config);
// One log line per provider call (ids and outcome only): the integration suite counts calls and captures.
const payments = new SimulatedPaymentProvider(config.PAYMENT_DECLINE_RULES, (request, result) =>
  logger.info(PAYMENT_PROVIDER_CALLED, {
    orderId: request.orderId,
    idempotencyKey: request.idempotencyKey,
    chargeStatus: result.status,
  }),
);
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = eventRecordHandler({
  accepts: [StockReserved],
  handle: (event, context) => takePayment(event.detail, { ...dependencies(context), payments }),
});

// When every record fails, each is still reported: a throw would count as a function error and make
// Lambda back off polling the queue (docs/runbook.md#function-errors).
export const handler = withObservability(
  { stage: config.STAGE },
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }),
);
