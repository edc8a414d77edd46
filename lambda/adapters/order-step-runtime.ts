import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AnyContract, DetailOf, PipelineProducer } from '../contracts';
import type { StepResult } from '../domain/outbox';
import { PAYMENT_PROVIDER_CALLED, SimulatedPaymentProvider } from '../domain/payment-provider';
import type { InventoryRepository, OrderStepDeps } from '../domain/ports';
import type { ReleaseStockDeps } from '../domain/release-stock';
import type { ReserveStockDeps } from '../domain/reserve-stock';
import type { TakePaymentDeps } from '../domain/take-payment';
import type { ValidateOrderDeps } from '../domain/validate-order';
import { FUNCTION_ENVIRONMENTS, type FunctionEnv } from '../shared/environments';
import { dynamoDbDocumentClient } from './aws-clients';
import { readEnv, refuseFaultRulesInProduction } from './env';
import { EventBridgePublisher } from './event-publisher';
import { eventRecordHandler, type RecordContext } from './event-record-handler';
import { eventBridgeClient } from './eventbridge-client';
import { FaultInjector, withFaults } from './fault-injector';
import { DynamoInventoryRepository } from './inventory-repository';
import { logger, withObservability } from './observability';
import { DynamoOrdersRepository } from './orders-repository';
import { randomIds, systemClock } from './system';

export { randomIds, systemClock };

/** What each order step's domain function receives. */
export interface StepDeps {
  'validate-order': ValidateOrderDeps;
  'reserve-stock': ReserveStockDeps;
  'take-payment': TakePaymentDeps;
  'release-stock': ReleaseStockDeps;
  'fulfil-order': OrderStepDeps;
}

/** A step's dependencies beyond those every step has. */
type Extras<N extends PipelineProducer> = Omit<StepDeps[N], keyof OrderStepDeps>;

/**
 * Per step, what it needs beyond the common dependencies, built from its configuration once per
 * execution environment; the function it returns gives each record its share.
 */
const EXTRAS: {
  readonly [N in PipelineProducer]: (config: FunctionEnv<N>) => (context: RecordContext) => Extras<N>;
} = {
  'validate-order': (config) => {
    const policy = { currencies: config.CURRENCIES, maxOrderAmount: config.MAX_ORDER_AMOUNT };
    return () => ({ policy });
  },
  'reserve-stock': (config) => inventoryOf(config),
  'take-payment': (config) => {
    // One log line per provider call (ids and outcome only): the integration suite counts calls and captures.
    const payments = new SimulatedPaymentProvider(config.PAYMENT_DECLINE_RULES, (request, result) =>
      logger.info(PAYMENT_PROVIDER_CALLED, {
        orderId: request.orderId,
        idempotencyKey: request.idempotencyKey,
        chargeStatus: result.status,
      }),
    );
    return () => ({ payments });
  },
  'release-stock': (config) => inventoryOf(config),
  'fulfil-order': () => () => ({}),
};

/**
 * The inventory a record works with: one client for the execution environment, and the record's
 * invocation as the time budget for retrying transaction conflicts.
 */
function inventoryOf(
  config: FunctionEnv<'reserve-stock' | 'release-stock'>,
): (context: RecordContext) => { inventory: InventoryRepository } {
  const client = dynamoDbDocumentClient();
  const tables = { inventoryTable: config.INVENTORY_TABLE, ordersTable: config.ORDERS_TABLE };
  return (context) => ({ inventory: new DynamoInventoryRepository(client, tables, context) });
}

/**
 * The dependencies an order step runs with, built once per execution environment; the logger, the
 * inventory's time budget and the faults (which depend on the delivery's receive count) are per record.
 * Without FAULT_RULES no fault decorator is built; with them, every port a step writes or publishes
 * through is wrapped (lambda/adapters/fault-injector.ts). A production function with fault rules
 * refuses to start here.
 */
export function orderStepDependencies<N extends PipelineProducer>(
  name: N,
  config: FunctionEnv<N>,
): (context: RecordContext) => StepDeps[N] {
  refuseFaultRulesInProduction(config);
  const common = {
    orders: new DynamoOrdersRepository(dynamoDbDocumentClient(), config.ORDERS_TABLE),
    publisher: new EventBridgePublisher({ client: eventBridgeClient(), eventBusName: config.EVENT_BUS_NAME }),
    clock: systemClock,
    ids: randomIds,
  };
  const extras = EXTRAS[name](config);
  const rules = config.FAULT_RULES;
  return (context) => {
    // TypeScript cannot follow N from EXTRAS to StepDeps; EXTRAS' type ties each step's extras to its deps.
    const deps = { ...common, logger: context.logger, ...extras(context) } as unknown as StepDeps[N];
    if (rules.length === 0) return deps;
    const delivery = { functionName: name, receiveCount: context.receiveCount };
    return withFaults(deps, new FaultInjector(rules, delivery, context.logger));
  };
}

export interface OrderStepHandlerOptions<N extends PipelineProducer, C extends AnyContract> {
  /** The function's short name: its environment (FUNCTION_ENVIRONMENTS) and what fault rules call it. */
  readonly name: N;
  /** The one event it acts on, from its producer's source only. */
  readonly accepts: C;
  /** The domain function of the step. */
  readonly step: (detail: DetailOf<C>, deps: StepDeps[N]) => Promise<StepResult>;
}

/**
 * The Lambda handler of an order step: its configuration read at cold start, each record parsed into
 * the accepted contract and run through the step by Powertools batch processing, partial batch
 * failures returned.
 */
export function orderStepHandler<N extends PipelineProducer, C extends AnyContract>(
  options: OrderStepHandlerOptions<N, C>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const config = readEnv(FUNCTION_ENVIRONMENTS[options.name]) as FunctionEnv<N>;
  const dependencies = orderStepDependencies(options.name, config);
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = eventRecordHandler({
    accepts: [options.accepts],
    handle: (event, context) => options.step(event.detail as DetailOf<C>, dependencies(context)),
  });
  // When every record fails, each is still reported: a throw would count as a function error and make
  // Lambda back off polling the queue (docs/runbook.md#function-errors).
  return withObservability({ stage: config.STAGE }, (event: SQSEvent, context: Context) =>
    processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false }),
  );
}
