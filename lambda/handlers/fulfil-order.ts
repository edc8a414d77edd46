import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readEnv } from '../adapters/env';
import { eventRecordHandler } from '../adapters/event-record-handler';
import { withObservability } from '../adapters/observability';
import { ORDER_STEP_ENV, orderStepDependencies } from '../adapters/order-step-runtime';
import { PaymentSucceeded } from '../contracts';
import { fulfilOrder } from '../domain/fulfil-order';

const config = readEnv(ORDER_STEP_ENV);
const dependencies = orderStepDependencies('fulfil-order', config);
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = eventRecordHandler({
  accepts: [PaymentSucceeded],
  handle: (event, context) => fulfilOrder(event.detail, dependencies(context)),
});

// When every record fails, each is still reported: a throw would count as a function error and make
// Lambda back off polling the queue (docs/runbook.md#function-errors).
export const handler = withObservability(
  { stage: config.STAGE },
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }),
);
