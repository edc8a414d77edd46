import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The stateful part of the pipeline: its tables. Kept apart from compute and routing so those can be
 * replaced or redeployed freely while the data stays.
 */
export class DataStack extends Stack {
  /** Orders with their status, history and outbox; key `orderId`. */
  public readonly ordersTable: ITable;
  /** Stock per product; keys `pk`, `sk`. What an order holds is on the order (ADR 8). */
  public readonly inventoryTable: ITable;
  /** Sharded daily and per-product aggregates and seen-event markers; keys `pk`, `sk`, TTL `ttl`. */
  public readonly analyticsTable: ITable;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { isProduction } = props.config;

    // Shared by every table: on-demand capacity (spiky, unpredictable load), encryption with the
    // AWS managed key (auditable in CloudTrail, no key policy to maintain), continuous backups,
    // and in production protection against both a stray delete and a stack deletion.
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: isProduction,
      removalPolicy: isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.ordersTable = new Table(this, 'Orders', {
      ...common,
      partitionKey: { name: 'orderId', type: AttributeType.STRING },
    });
    this.inventoryTable = new Table(this, 'Inventory', {
      ...common,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    });
    this.analyticsTable = new Table(this, 'Analytics', {
      ...common,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
    });

    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'InventoryTableName', { value: this.inventoryTable.tableName });
    new CfnOutput(this, 'AnalyticsTableName', { value: this.analyticsTable.tableName });
  }
}
