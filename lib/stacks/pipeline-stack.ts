import * as path from 'node:path';
import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type Archive, type CfnArchive, type CfnEventBus, EventBus } from 'aws-cdk-lib/aws-events';
import {
  AnyPrincipal,
  Effect,
  Grant,
  type IGrantable,
  PolicyDocument,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  type AnyContract,
  CLIENT_SOURCE,
  detailTypesOf,
  FINAL_EVENT_CONTRACTS,
  ORDER_PLACED,
  OrderPlaced,
  OrderValidated,
  PaymentFailed,
  PaymentSucceeded,
  type PipelineProducer,
  SOURCES,
  StockReserved,
  sourceOf,
} from '../../lambda/contracts';
import { type EnvValues, FUNCTION_ENVIRONMENTS, type FunctionName } from '../../lambda/shared/environments';
import { ANALYTICS_SHARDS } from '../../lambda/shared/limits';
import type { StageConfig } from '../config';
import { EventConsumer } from '../constructs/event-consumer';
import { OrderApi } from '../constructs/order-api';
import { monitoredStepOf, PipelineMonitoring } from '../constructs/pipeline-monitoring';
import {
  ANALYTICS_BATCH_SIZE,
  ANALYTICS_MAX_BATCHING_WINDOW,
  API_FUNCTION_TIMEOUT,
  ORDER_STEP_BATCHING_WINDOW,
  seenMarkerTtlDays,
} from '../defaults';
import { functionEnvironment } from '../function-environment';
import { resourceNames } from '../names';
import { randomFaultRules } from '../test-stages';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambda', 'handlers');

/** Powertools metrics namespace shared by every function; the service name tells them apart. */
export const METRICS_NAMESPACE = 'OrderPipeline';

/** The order steps are named after what they produce; analytics only consumes. */
export type ConsumerName = FunctionName;

type TableName = 'orders' | 'inventory' | 'analytics';

/**
 * The item actions a function may call on a table. A TransactWriteItems is checked per contained action
 * (Put needs PutItem, Update needs UpdateItem), so these cover the transactions too. Nothing scans,
 * queries, deletes or batch-writes.
 */
export type TableAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem';

interface ConsumerSpec<N extends ConsumerName = ConsumerName> {
  /** Construct id and output prefix. */
  readonly id: string;
  readonly description: string;
  /** What it receives; each from the source of its producer only. */
  readonly consumes: readonly AnyContract[];
  /** Exactly the item actions it calls, per table; nothing else is granted. */
  readonly tables: Readonly<Partial<Record<TableName, readonly TableAction[]>>>;
  /** Every variable its handler reads (FUNCTION_ENVIRONMENTS), no more: the compiler checks the list. */
  readonly environment: EnvValues<(typeof FUNCTION_ENVIRONMENTS)[N]>;
  /** @default - the EventConsumer's batch size and window (BATCH_SIZE, MAX_BATCHING_WINDOW) */
  readonly batching?: { readonly batchSize: number; readonly maxBatchingWindow: Duration };
}

const READ: TableAction = 'dynamodb:GetItem';
const PUT: TableAction = 'dynamodb:PutItem';
const UPDATE: TableAction = 'dynamodb:UpdateItem';

const TABLE_ENV: Record<TableName, string> = {
  orders: 'ORDERS_TABLE',
  inventory: 'INVENTORY_TABLE',
  analytics: 'ANALYTICS_TABLE',
};

export interface PipelineStackProps extends StackProps {
  readonly config: StageConfig;
  readonly ordersTable: ITable;
  readonly inventoryTable: ITable;
  readonly analyticsTable: ITable;
  /**
   * URL of docs/runbook.md for the alarm descriptions and the dashboard.
   * @default - the file on the repository's default branch (package.json `repository`)
   */
  readonly runbookUrl?: string;
}

/**
 * The stateless part of the pipeline: the bus, its archive, and one EventConsumer per step
 * (docs/design.md). Steps talk only through events; each function gets only the tables it uses.
 */
export class PipelineStack extends Stack {
  public readonly eventBus: EventBus;
  public readonly archive: Archive;
  public readonly consumers: Readonly<Record<ConsumerName, EventConsumer>>;
  /** The HTTP API clients place and read orders through. */
  public readonly api: OrderApi;
  /** Alarms of every step, their SNS topic and the stage's dashboard. */
  public readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    // Strong references (exports): CloudFormation refuses to delete a table, or the data stack, while
    // this stack still uses it. Stated explicitly so a change of the CDK default cannot weaken it.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config } = props;
    if (config.isProduction && config.faultRules.length > 0) {
      throw new Error(
        `PipelineStack ${this.node.path}: stage "${config.stage}" is production but has faultRules; ` +
          'remove them from lib/config.ts (fault injection is for test stages only).',
      );
    }

    const names = resourceNames(config.stage);
    // Named, so that its own policy can name its ARN (a Ref to itself would be a dependency cycle).
    this.eventBus = new EventBus(this, 'Bus', {
      eventBusName: names.eventBus,
      description: `Order pipeline events (${config.stage})`,
    });
    // Named: CloudFormation would generate a name, and renaming an archive later replaces it, losing
    // every archived event.
    this.archive = this.eventBus.archive('Archive', {
      archiveName: names.archive,
      description: 'Every event of the pipeline’s sources, for replay',
      eventPattern: { source: [...SOURCES] },
      retention: Duration.days(config.archiveRetentionDays),
    });
    // aws-cdk-lib writes KmsKeyIdentifier "" when no key is given (aws-cdk issue 37847); without the
    // property the archive is encrypted with the AWS owned key, as intended.
    (this.archive.node.defaultChild as CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');

    const tables: Record<TableName, ITable> = {
      orders: props.ordersTable,
      inventory: props.inventoryTable,
      analytics: props.analyticsTable,
    };
    const stage = {
      STAGE: config.stage,
      // The functions refuse fault rules when this is true (lambda/adapters/env.ts).
      PRODUCTION: config.isProduction ? 'true' : 'false',
      // Never set in production: without it a function builds no fault decorator.
      FAULT_RULES: config.isProduction
        ? undefined
        : JSON.stringify([...config.faultRules, ...randomFaultRules(config.randomFaultRate)]),
    } as const;
    const orderStep = {
      ...stage,
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      ORDERS_TABLE: tables.orders.tableName,
    };

    // Order steps read the order they act on and move it with conditional writes; only validate-order
    // creates it (PutItem). Stock steps also update stock in the same transaction (ADR 8); only
    // reserve-stock reads it, to name the short lines.
    const specs: { readonly [N in ConsumerName]: ConsumerSpec<N> } = {
      'validate-order': {
        id: 'ValidateOrder',
        description: 'Validates a placed order and creates it (VALIDATED or REJECTED).',
        consumes: [OrderPlaced],
        tables: { orders: [READ, PUT] },
        environment: {
          ...orderStep,
          CURRENCIES: JSON.stringify(config.currencies),
          MAX_ORDER_AMOUNT: String(config.maxOrderAmount),
        },
      },
      'reserve-stock': {
        id: 'ReserveStock',
        description: 'Reserves stock for a validated order (RESERVED or CANCELLED).',
        consumes: [OrderValidated],
        tables: { orders: [READ, UPDATE], inventory: [READ, UPDATE] },
        environment: { ...orderStep, INVENTORY_TABLE: tables.inventory.tableName },
      },
      'take-payment': {
        id: 'TakePayment',
        description: 'Charges a reserved order (PAID or PAYMENT_FAILED).',
        consumes: [StockReserved],
        tables: { orders: [READ, UPDATE] },
        environment: { ...orderStep, PAYMENT_DECLINE_RULES: JSON.stringify(config.paymentDeclineRules) },
      },
      'release-stock': {
        id: 'ReleaseStock',
        description: 'Releases the reservation of a declined order (CANCELLED).',
        consumes: [PaymentFailed],
        tables: { orders: [READ, UPDATE], inventory: [UPDATE] },
        environment: { ...orderStep, INVENTORY_TABLE: tables.inventory.tableName },
      },
      'fulfil-order': {
        id: 'FulfilOrder',
        description: 'Fulfils a paid order (FULFILLED).',
        consumes: [PaymentSucceeded],
        tables: { orders: [READ, UPDATE] },
        environment: orderStep,
      },
      analytics: {
        id: 'Analytics',
        description: 'Counts the final fact of each order into daily outcomes and per-product totals.',
        consumes: FINAL_EVENT_CONTRACTS,
        // Seen-markers are put, counters updated, both in one transaction; nothing is read.
        tables: { analytics: [PUT, UPDATE] },
        batching: { batchSize: ANALYTICS_BATCH_SIZE, maxBatchingWindow: ANALYTICS_MAX_BATCHING_WINDOW },
        environment: {
          ...stage,
          ANALYTICS_TABLE: tables.analytics.tableName,
          ANALYTICS_SHARDS: String(ANALYTICS_SHARDS),
          SEEN_MARKER_TTL_DAYS: String(seenMarkerTtlDays(config.archiveRetentionDays)),
        },
      },
    };
    // Read by Powertools, not by the handlers.
    const powertools = {
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    };

    const consumers = {} as Record<ConsumerName, EventConsumer>;
    const sourceOwners = new Map<PipelineProducer, EventConsumer>();
    for (const [name, spec] of Object.entries(specs) as [ConsumerName, ConsumerSpec][]) {
      const publishes = name === 'analytics' ? [] : detailTypesOf(name);
      const tableNames = Object.keys(spec.tables) as TableName[];
      const environment = functionEnvironment(name, FUNCTION_ENVIRONMENTS[name], spec.environment, this.fail);
      const ungranted = Object.keys(environment).filter((v) =>
        Object.entries(TABLE_ENV).some(([t, env]) => env === v && !tableNames.includes(t as TableName)),
      );
      if (ungranted.length > 0) {
        throw new Error(
          `PipelineStack ${this.node.path}: ${name} reads ${ungranted.join(', ')} but is granted no access to it: add the table to its spec.`,
        );
      }
      const consumer = new EventConsumer(this, spec.id, {
        eventBus: this.eventBus,
        events: spec.consumes.map((c) => ({ source: c.source, detailType: c.detailType })),
        entry: path.join(HANDLERS_DIR, `${name}.ts`),
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        description: spec.description,
        timeout: Duration.seconds(config.functionTimeoutSeconds),
        // Analytics' own batching (spec.batching) overrides it.
        maxBatchingWindow: ORDER_STEP_BATCHING_WINDOW,
        maxConcurrency: config.consumerMaxConcurrency,
        logLevel: ApplicationLogLevel[config.logLevel],
        powertoolsTracer: config.powertoolsTracer,
        logRetention: config.logRetentionDays as RetentionDays,
        removalPolicy: config.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        environment: { ...environment, ...powertools, POWERTOOLS_SERVICE_NAME: name },
        ...spec.batching,
      });
      for (const t of tableNames) {
        tables[t].grant(consumer.fn, ...(spec.tables[t] ?? []));
      }
      if (name !== 'analytics') {
        this.grantPutEvents(consumer.fn, sourceOf(name), publishes);
        sourceOwners.set(name, consumer);
      }

      new CfnOutput(this, `${spec.id}FunctionName`, { value: consumer.fn.functionName });
      new CfnOutput(this, `${spec.id}QueueUrl`, { value: consumer.queue.queueUrl });
      new CfnOutput(this, `${spec.id}DlqUrl`, { value: consumer.deadLetterQueue.queueUrl });
      new CfnOutput(this, `${spec.id}TargetDlqUrl`, { value: consumer.targetDeadLetterQueue.queueUrl });
      consumers[name] = consumer;
    }
    this.consumers = consumers;
    const busArn = this.formatArn({ service: 'events', resource: 'event-bus', resourceName: names.eventBus });
    (this.eventBus.node.defaultChild as CfnEventBus).policy = PipelineStack.busPolicy(busArn, sourceOwners);

    this.api = new OrderApi(this, 'Api', {
      placeOrderEntry: path.join(HANDLERS_DIR, 'api', 'place-order.ts'),
      getOrderEntry: path.join(HANDLERS_DIR, 'api', 'get-order.ts'),
      ordersTable: props.ordersTable,
      eventBusName: this.eventBus.eventBusName,
      authorization: config.api.authorization,
      throttle: config.api.throttle,
      environment: {
        STAGE: config.stage,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
      },
      timeout: API_FUNCTION_TIMEOUT,
      logLevel: ApplicationLogLevel[config.logLevel],
      powertoolsTracer: config.powertoolsTracer,
      logRetention: config.logRetentionDays as RetentionDays,
      removalPolicy: config.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    });
    // The API is the client: exactly OrderPlaced with the client source, like any other client.
    this.grantPlaceOrders(this.api.placeOrder);
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the orders API' });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: config.stage,
      eventBus: this.eventBus,
      steps: Object.entries(consumers).map(([name, consumer]) => monitoredStepOf(name, consumer)),
      api: { name: 'api', httpApi: this.api.httpApi },
      runbookUrl: props.runbookUrl,
      dashboardName: names.dashboard,
      alarmSubscriptions: config.alarmSubscriptions,
      removalPolicy: config.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    if (this.monitoring.notificationDeadLetterQueue) {
      // Not `<Id>DlqUrl`: the ops CLI redrives those into a step's queue, and this one has no step.
      new CfnOutput(this, 'AlarmNotificationDeadLetterQueueUrl', {
        value: this.monitoring.notificationDeadLetterQueue.queueUrl,
      });
    }

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.eventBusArn });
    new CfnOutput(this, 'EventArchiveName', { value: this.archive.archiveName });
  }

  private readonly fail = (message: string): never => {
    throw new Error(`PipelineStack ${this.node.path}: ${message}`);
  };

  /**
   * Lets `grantee` place orders: PutEvents on this bus of OrderPlaced with the client source, nothing
   * else. The one grant a storefront backend (or any client) needs.
   */
  public grantPlaceOrders(grantee: IGrantable): Grant {
    return this.grantPutEvents(grantee, CLIENT_SOURCE, [ORDER_PLACED]);
  }

  /** PutEvents on this bus for exactly these detail types with exactly this source (checked per entry). */
  private grantPutEvents(grantee: IGrantable, source: string, detailTypes: readonly string[]): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.eventBus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': source, 'events:detail-type': [...detailTypes] },
      },
    });
  }

  /**
   * The bus policy's half of publisher identity: PutEvents carrying a producer's source is denied to
   * every principal but its function's role, so no other identity in the account can state its facts,
   * whatever its IAM policies allow (an explicit deny wins). Set as the bus's own `Policy`: the
   * EventBusPolicy resources of `addToResourcePolicy` use a deprecated property that warns at every synth.
   */
  private static busPolicy(
    busArn: string,
    owners: ReadonlyMap<PipelineProducer, EventConsumer>,
  ): PolicyDocument {
    return new PolicyDocument({
      statements: [...owners].map(
        ([producer, consumer]) =>
          new PolicyStatement({
            sid: `OnlyFunctionPuts${consumer.node.id}`,
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['events:PutEvents'],
            resources: [busArn],
            conditions: {
              StringEquals: { 'events:source': sourceOf(producer) },
              ArnNotEquals: { 'aws:PrincipalArn': consumer.role.roleArn },
            },
          }),
      ),
    });
  }
}
