import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { envVar, readEnv } from '../adapters/env';
import { eventRecordHandler } from '../adapters/event-record-handler';
import { withObservability } from '../adapters/observability';
import { ORDER_STEP_ENV, orderStepDependencies } from '../adapters/order-step-runtime';
import { currency, OrderPlaced } from '../contracts';
import { validateOrder } from '../domain/validate-order';

const config = readEnv({
  ...ORDER_STEP_ENV,
  CURRENCIES: envVar.json(z.array(currency).min(1)),
  MAX_ORDER_AMOUNT: envVar.positiveInt,
});
const dependencies = orderStepDependencies('validate-order', config);
const policy = { currencies: config.CURRENCIES, maxOrderAmount: config.MAX_ORDER_AMOUNT };
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = eventRecordHandler({
  accepts: [OrderPlaced],
  handle: (event, context) => validateOrder(event.detail, { ...dependencies(context), policy }),
});

// When every record fails, each is still reported: a throw would count as a function error and make
// Lambda back off polling the queue (docs/runbook.md#function-errors).
export const handler = withObservability(
  { stage: config.STAGE },
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }),
);
