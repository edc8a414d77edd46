import type { InventoryRepository, OrderStepDeps } from '../domain/ports';
import { dynamoDbDocumentClient } from './aws-clients';
import { type EnvOf, envVar, refuseFaultRulesInProduction, STAGE_ENV } from './env';
import { EventBridgePublisher } from './event-publisher';
import type { RecordContext } from './event-record-handler';
import { eventBridgeClient } from './eventbridge-client';
import { faultsFor } from './fault-injector';
import { DynamoInventoryRepository } from './inventory-repository';
import { DynamoOrdersRepository } from './orders-repository';

import { randomIds, systemClock } from './system';

export { randomIds, systemClock };

/** Environment every order step reads. */
export const ORDER_STEP_ENV = {
  STAGE: STAGE_ENV.STAGE,
  EVENT_BUS_NAME: envVar.string,
  ORDERS_TABLE: envVar.string,
  FAULT_RULES: STAGE_ENV.FAULT_RULES,
  PRODUCTION: STAGE_ENV.PRODUCTION,
};

/** Environment of the order steps that also move stock. */
export const INVENTORY_STEP_ENV = { ...ORDER_STEP_ENV, INVENTORY_TABLE: envVar.string };

/**
 * The dependencies an order step runs with, built once per execution environment; only the logger
 * and the faults (which depend on the delivery's receive count) are per record. Every order step builds
 * them at cold start, so this is where a production function with fault rules refuses to start.
 */
export function orderStepDependencies(
  functionName: string,
  config: EnvOf<typeof ORDER_STEP_ENV>,
): (context: Pick<RecordContext, 'logger' | 'receiveCount'>) => OrderStepDeps {
  refuseFaultRulesInProduction(config);
  const shared = {
    orders: new DynamoOrdersRepository(dynamoDbDocumentClient(), config.ORDERS_TABLE),
    publisher: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: config.EVENT_BUS_NAME }),
    clock: systemClock,
    ids: randomIds,
  };
  return ({ logger, receiveCount }) => ({
    ...shared,
    logger,
    faults: faultsFor(config.FAULT_RULES, { functionName, receiveCount }, logger),
  });
}

/**
 * The inventory a record works with: one client for the execution environment, and the record's
 * invocation as the time budget for retrying transaction conflicts.
 */
export function inventoryDependency(
  config: EnvOf<typeof INVENTORY_STEP_ENV>,
): (context: RecordContext) => InventoryRepository {
  const client = dynamoDbDocumentClient();
  const tables = { inventoryTable: config.INVENTORY_TABLE, ordersTable: config.ORDERS_TABLE };
  return (context) => new DynamoInventoryRepository(client, tables, context);
}
