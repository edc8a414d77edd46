import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ProductQuantity, Reservation, Transition } from '../domain/order';
import type { InventoryRepository, WriteResult } from '../domain/ports';
import { isConditionFailure } from './dynamodb-errors';
import { transitionUpdate } from './orders-repository';
import { type ConflictRetryBudget, writeRetryingConflicts } from './transaction-conflicts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Inventory table keys (`pk`, `sk`), as docs/design.md defines them. */
export const stockKey = (productId: string) => ({ pk: `PRODUCT#${productId}`, sk: 'STOCK' });
export const reservationKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'RESERVATION' });

export interface InventoryTables {
  readonly inventoryTable: string;
  /** The order transition is part of each stock transaction, so both tables are written together. */
  readonly ordersTable: string;
}

export class DynamoInventoryRepository implements InventoryRepository {
  /**
   * @param conflicts the invocation the writes run in, to retry transaction conflicts within its time
   * @default conflicts - none: a conflict fails the write at once
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tables: InventoryTables,
    private readonly conflicts?: ConflictRetryBudget,
  ) {}

  async reserve(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    const { inventoryTable } = this.tables;
    return this.transact([
      { Update: transitionUpdate(this.tables.ordersTable, transition) },
      {
        Put: {
          TableName: inventoryTable,
          Item: {
            ...reservationKey(transition.orderId),
            orderId: transition.orderId,
            status: 'RESERVED',
            lines,
            reservedAt: transition.at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map(
        (line): TransactItem => ({
          Update: {
            TableName: inventoryTable,
            Key: stockKey(line.productId),
            UpdateExpression: 'SET #available = #available - :quantity',
            // Fails on a missing product too: an unknown product is out of stock.
            ConditionExpression: '#available >= :quantity',
            ExpressionAttributeNames: { '#available': 'available' },
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        }),
      ),
    ]);
  }

  async release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    const { inventoryTable } = this.tables;
    return this.transact([
      {
        Update: {
          TableName: inventoryTable,
          Key: reservationKey(transition.orderId),
          UpdateExpression: 'SET #status = :released, #releasedAt = :at',
          ConditionExpression: '#status = :reserved',
          ExpressionAttributeNames: { '#status': 'status', '#releasedAt': 'releasedAt' },
          ExpressionAttributeValues: {
            ':released': 'RELEASED',
            ':reserved': 'RESERVED',
            ':at': transition.at,
          },
        },
      },
      ...lines.map(
        (line): TransactItem => ({
          Update: {
            TableName: inventoryTable,
            Key: stockKey(line.productId),
            UpdateExpression: 'ADD #available :quantity',
            ExpressionAttributeNames: { '#available': 'available' },
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        }),
      ),
      { Update: transitionUpdate(this.tables.ordersTable, transition) },
    ]);
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tables.inventoryTable,
        Key: reservationKey(orderId),
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return undefined;
    return { orderId, status: Item.status, lines: Item.lines };
  }

  async getAvailable(productIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    // At most 25 products (MAX_ORDER_LINES): parallel consistent reads, simpler than BatchGet's unprocessed keys.
    const entries = await Promise.all(
      productIds.map(async (productId) => {
        const { Item } = await this.client.send(
          new GetCommand({
            TableName: this.tables.inventoryTable,
            Key: stockKey(productId),
            ConsistentRead: true,
            ProjectionExpression: '#available',
            ExpressionAttributeNames: { '#available': 'available' },
          }),
        );
        return [productId, Item?.available] as const;
      }),
    );
    return new Map(
      entries.filter((entry): entry is readonly [string, number] => typeof entry[1] === 'number'),
    );
  }

  /**
   * `condition-failed` when only conditions refused the transaction. A conflict with a concurrent
   * transaction is retried while the invocation has time; it, and anything else (throttling), is then
   * rethrown so the record is retried.
   */
  private async transact(items: TransactItem[]): Promise<WriteResult> {
    try {
      await writeRetryingConflicts(
        () => this.client.send(new TransactWriteCommand({ TransactItems: items })),
        this.conflicts,
      );
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'condition-failed';
      throw error;
    }
  }
}
