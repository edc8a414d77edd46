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
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { ApplicationLogLevel } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  DETAIL_TYPES,
  ORDER_PLACED,
  ORDER_VALIDATED,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  SOURCE,
  STOCK_RESERVED,
} from '../../lambda/contracts';
import { randomFaultRules, type StageConfig } from '../config';
import { EventConsumer } from '../constructs/event-consumer';
import { monitoredStepOf, PipelineMonitoring } from '../constructs/pipeline-monitoring';
import { ANALYTICS_SHARDS, seenMarkerTtlDays } from '../defaults';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambda', 'handlers');

/** Powertools metrics namespace shared by every function; the service name tells them apart. */
export const METRICS_NAMESPACE = 'OrderPipeline';

export type ConsumerName =
  | 'validate-order'
  | 'reserve-stock'
  | 'take-payment'
  | 'release-stock'
  | 'fulfil-order'
  | 'analytics';

type TableName = 'orders' | 'inventory' | 'analytics';

interface ConsumerSpec {
  /** Construct id and output prefix. */
  readonly id: string;
  readonly description: string;
  readonly detailTypes: readonly string[];
  /** Tables it reads and writes; nothing else is granted. */
  readonly tables: readonly TableName[];
  /** Whether it puts events on the bus. */
  readonly publishes: boolean;
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * What a step may do to a table it uses: read an item, and write items with conditions, alone or in a
 * TransactWriteItems (which IAM checks per contained action). Every state change in docs/design.md is
 * such a write; nothing scans, queries, deletes or batch-writes, so none of that is granted.
 */
export const TABLE_ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

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
   * Base URL of docs/runbook.md for the alarm descriptions (e.g. the file on your Git host).
   * @default - the repository-relative path
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

    this.eventBus = new EventBus(this, 'Bus', { description: `Order pipeline events (${config.stage})` });
    this.archive = this.eventBus.archive('Archive', {
      description: `Every ${SOURCE} event, for replay`,
      eventPattern: { source: [SOURCE] },
      retention: Duration.days(config.archiveRetentionDays),
    });

    const specs: Record<ConsumerName, ConsumerSpec> = {
      'validate-order': {
        id: 'ValidateOrder',
        description: 'Validates a placed order and creates it (VALIDATED or REJECTED).',
        detailTypes: [ORDER_PLACED],
        tables: ['orders'],
        publishes: true,
        environment: {
          CURRENCIES: JSON.stringify(config.currencies),
          MAX_ORDER_AMOUNT: String(config.maxOrderAmount),
        },
      },
      'reserve-stock': {
        id: 'ReserveStock',
        description: 'Reserves stock for a validated order (RESERVED or CANCELLED).',
        detailTypes: [ORDER_VALIDATED],
        tables: ['orders', 'inventory'],
        publishes: true,
      },
      'take-payment': {
        id: 'TakePayment',
        description: 'Charges a reserved order (PAID or PAYMENT_FAILED).',
        detailTypes: [STOCK_RESERVED],
        tables: ['orders'],
        publishes: true,
        environment: { PAYMENT_DECLINE_RULES: JSON.stringify(config.paymentDeclineRules) },
      },
      'release-stock': {
        id: 'ReleaseStock',
        description: 'Releases the reservation of a declined order (CANCELLED).',
        detailTypes: [PAYMENT_FAILED],
        tables: ['orders', 'inventory'],
        publishes: true,
      },
      'fulfil-order': {
        id: 'FulfilOrder',
        description: 'Fulfils a paid order (FULFILLED).',
        detailTypes: [PAYMENT_SUCCEEDED],
        tables: ['orders'],
        publishes: true,
      },
      analytics: {
        id: 'Analytics',
        description: 'Aggregates every pipeline event into daily and per-product totals.',
        detailTypes: DETAIL_TYPES,
        tables: ['analytics'],
        publishes: false,
        environment: {
          ANALYTICS_SHARDS: String(ANALYTICS_SHARDS),
          SEEN_MARKER_TTL_DAYS: String(seenMarkerTtlDays(config.archiveRetentionDays)),
        },
      },
    };

    const tables: Record<TableName, ITable> = {
      orders: props.ordersTable,
      inventory: props.inventoryTable,
      analytics: props.analyticsTable,
    };
    const stageEnvironment: Record<string, string> = {
      STAGE: config.stage,
      // The functions refuse fault rules when this is true (lambda/adapters/env.ts).
      PRODUCTION: String(config.isProduction),
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      // Never set in production: the handlers cannot inject faults without it.
      ...(config.isProduction
        ? {}
        : {
            FAULT_RULES: JSON.stringify([...config.faultRules, ...randomFaultRules(config.randomFaultRate)]),
          }),
    };

    const consumers = {} as Record<ConsumerName, EventConsumer>;
    for (const [name, spec] of Object.entries(specs) as [ConsumerName, ConsumerSpec][]) {
      const consumer = new EventConsumer(this, spec.id, {
        eventBus: this.eventBus,
        source: SOURCE,
        detailTypes: spec.detailTypes,
        entry: path.join(HANDLERS_DIR, `${name}.ts`),
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        description: spec.description,
        timeout: Duration.seconds(config.functionTimeoutSeconds),
        logLevel: ApplicationLogLevel[config.logLevel],
        logRetention: config.logRetentionDays as RetentionDays,
        removalPolicy: config.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        environment: {
          ...stageEnvironment,
          POWERTOOLS_SERVICE_NAME: name,
          ...(spec.publishes ? { EVENT_BUS_NAME: this.eventBus.eventBusName } : {}),
          ...Object.fromEntries(spec.tables.map((t) => [TABLE_ENV[t], tables[t].tableName])),
          ...spec.environment,
        },
      });
      for (const t of spec.tables) {
        tables[t].grant(consumer.fn, ...TABLE_ITEM_ACTIONS);
      }
      if (spec.publishes) {
        this.eventBus.grantPutEventsTo(consumer.fn);
      }

      new CfnOutput(this, `${spec.id}FunctionName`, { value: consumer.fn.functionName });
      new CfnOutput(this, `${spec.id}QueueUrl`, { value: consumer.queue.queueUrl });
      new CfnOutput(this, `${spec.id}DlqUrl`, { value: consumer.deadLetterQueue.queueUrl });
      new CfnOutput(this, `${spec.id}TargetDlqUrl`, { value: consumer.targetDeadLetterQueue.queueUrl });
      consumers[name] = consumer;
    }
    this.consumers = consumers;

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: config.stage,
      eventBus: this.eventBus,
      steps: Object.entries(consumers).map(([name, consumer]) => monitoredStepOf(name, consumer)),
      runbookUrl: props.runbookUrl,
      removalPolicy: config.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });

    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.eventBusArn });
    new CfnOutput(this, 'EventArchiveName', { value: this.archive.archiveName });
  }
}
