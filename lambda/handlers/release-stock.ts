import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoDbDocumentClient } from '../adapters/aws-clients';
import { envVar, readEnv } from '../adapters/env';
import { eventRecordHandler } from '../adapters/event-record-handler';
import { DynamoInventoryRepository } from '../adapters/inventory-repository';
import { withObservability } from '../adapters/observability';
import { ORDER_STEP_ENV, orderStepDependencies } from '../adapters/order-step-runtime';
import { PaymentFailed } from '../contracts';
import { releaseStock } from '../domain/release-stock';

const config = readEnv({ ...ORDER_STEP_ENV, INVENTORY_TABLE: envVar.string });
const dependencies = orderStepDependencies('release-stock', config);
const inventory = new DynamoInventoryRepository(dynamoDbDocumentClient(), {
  inventoryTable: config.INVENTORY_TABLE,
  ordersTable: config.ORDERS_TABLE,
});
const processor = new BatchProcessor(EventType.SQS);

const recordHandler = eventRecordHandler({
  accepts: [PaymentFailed],
  handle: (event, context) => releaseStock(event.detail, { ...dependencies(context), inventory }),
});

export const handler = withObservability(
  { stage: config.STAGE },
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, recordHandler, processor, { context }),
);
