import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readEnv } from '../adapters/env';
import { eventRecordHandler } from '../adapters/event-record-handler';
import { withObservability } from '../adapters/observability';
import {
  INVENTORY_STEP_ENV,
  inventoryDependency,
  orderStepDependencies,
} from '../adapters/order-step-runtime';
import { OrderValidated } from '../contracts';
import { reserveStock } from '../domain/reserve-stock';

const config = readEnv(INVENTORY_STEP_ENV);
const dependencies = orderStepDependencies('reserve-stock', config);
const inventory = inventoryDependency(config);
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = eventRecordHandler({
  accepts: [OrderValidated],
  handle: (event, context) =>
    reserveStock(event.detail, { ...dependencies(context), inventory: inventory(context) }),
});

// When every record fails, each is still reported: a throw would count as a function error and make
// Lambda back off polling the queue (docs/runbook.md#function-errors).
export const handler = withObservability(
  { stage: config.STAGE },
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }),
);
