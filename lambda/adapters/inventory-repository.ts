import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { MalformedStockError } from '../domain/errors';
import type { ProductQuantity, Transition } from '../domain/order';
import type { InventoryRepository, WriteResult } from '../domain/ports';
import { isConditionFailure } from './dynamodb-errors';
import { transitionUpdate } from './orders-repository';
import { type ConflictRetryBudget, writeRetryingConflicts } from './transaction-conflicts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Inventory table keys (`pk`, `sk`), as docs/design.md defines them. */
export const stockKey = (productId: string) => ({ pk: `PRODUCT#${productId}`, sk: 'STOCK' });

/** One product's stock: `take` its units with a floor of zero, or `give-back` what was taken. */
function stockChange(tableName: string, line: ProductQuantity, change: 'take' | 'give-back'): TransactItem {
  const common = {
    TableName: tableName,
    Key: stockKey(line.productId),
    ExpressionAttributeNames: { '#available': 'available' },
    ExpressionAttributeValues: { ':quantity': line.quantity },
  };
  if (change === 'give-back') return { Update: { ...common, UpdateExpression: 'ADD #available :quantity' } };
  return {
    Update: {
      ...common,
      UpdateExpression: 'SET #available = #available - :quantity',
      // Fails on a missing product too: an unknown product is out of stock.
      ConditionExpression: '#available >= :quantity',
    },
  };
}

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

  /**
   * The order's transition is the fence: it holds only while the order is VALIDATED with this step's
   * event in its slot, so a repeat, a replay or a concurrent delivery fails the whole transaction and
   * takes nothing. No reservation item: the order's lines say what was taken (ADR 8).
   */
  async reserve(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    return this.transact([
      { Update: transitionUpdate(this.tables.ordersTable, transition) },
      ...lines.map((line) => stockChange(this.tables.inventoryTable, line, 'take')),
    ]);
  }

  /** Fenced by the order's transition out of PAYMENT_FAILED, as `reserve` is by its own (ADR 8). */
  async release(transition: Transition, lines: readonly ProductQuantity[]): Promise<WriteResult> {
    return this.transact([
      { Update: transitionUpdate(this.tables.ordersTable, transition) },
      ...lines.map((line) => stockChange(this.tables.inventoryTable, line, 'give-back')),
    ]);
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
        if (Item?.available !== undefined && typeof Item.available !== 'number') {
          throw new MalformedStockError(productId);
        }
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
