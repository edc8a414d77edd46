import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { analyticsKey, seenMarkerKey } from '../../../lambda/adapters/analytics-repository';
import { stockKey } from '../../../lambda/adapters/inventory-repository';
import { UNITS_ATTRIBUTE } from '../../../lambda/domain/analytics';
import type { OrderRecord } from '../../../lambda/domain/order';
import { ANALYTICS_SHARDS } from '../../../lambda/shared/limits';
import { PipelineClientError } from './errors';

/**
 * What a stage's tables hold, read as the app stores it (the adapters' keys): orders, stock and
 * analytics. Whether an order holds stock is its own history's answer (ADR 8): a RESERVED entry took its
 * lines, a CANCELLED after PAYMENT_FAILED gave them back. Every read is strongly consistent: a test or a
 * demo asks right after the write it caused, and an eventually consistent read could show the state
 * before it.
 */

/** The stage's tables, from its stacks' outputs (OrdersTableName, InventoryTableName, AnalyticsTableName). */
export interface StageTables {
  readonly ordersTable: string;
  readonly inventoryTable: string;
  readonly analyticsTable: string;
}

/** An order's status and how it got there, as its item records them. */
export interface OrderStatusRead {
  readonly status?: string;
  /** Why it was rejected or cancelled. */
  readonly reason?: string;
  /** Each transition, oldest first; `at` as stored (ISO 8601). */
  readonly history: readonly { readonly status: string; readonly at: string }[];
}

/** DynamoDB quota: BatchGetItem takes at most 100 keys. */
const BATCH_GET_MAX_KEYS = 100;
/**
 * BatchGetItem returns the keys it could not read (throttling, a 16 MB answer) instead of failing; the
 * SDK does not retry them. AWS advises asking again with exponential backoff: 50 ms doubling to 1.6 s,
 * 7 attempts in about 3 s, then the read fails rather than returning a partial answer as a whole one.
 */
const UNPROCESSED_ATTEMPTS = 7;
const UNPROCESSED_FIRST_BACKOFF_MS = 50;

const ORDER_STATUS_ATTRIBUTES = {
  '#id': 'orderId',
  '#status': 'status',
  '#reason': 'reason',
  '#history': 'history',
};

export interface PipelineReadsOptions {
  /** @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class PipelineReads {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: StageTables,
    options: PipelineReadsOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The whole order item (its outbox too); undefined when there is none. */
  async order(orderId: string): Promise<OrderRecord | undefined> {
    return (await this.item(this.tables.ordersTable, { orderId })) as OrderRecord | undefined;
  }

  /**
   * Status, reason and history of each order that exists, by order id: 100 keys a BatchGetItem,
   * projected, because an order item carries its outbox and the reader needs none of it.
   */
  async orderStatuses(orderIds: readonly string[]): Promise<Map<string, OrderStatusRead>> {
    const found = new Map<string, OrderStatusRead>();
    const table = this.tables.ordersTable;
    for (let i = 0; i < orderIds.length; i += BATCH_GET_MAX_KEYS) {
      let keys: Record<string, unknown>[] = orderIds
        .slice(i, i + BATCH_GET_MAX_KEYS)
        .map((orderId) => ({ orderId }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_ATTEMPTS) {
          throw new PipelineClientError(
            `BatchGetItem on ${table} left ${keys.length} key(s) unread after ${UNPROCESSED_ATTEMPTS} attempts: the table is throttled; try again later.`,
          );
        }
        if (attempt > 1) await this.sleep(UNPROCESSED_FIRST_BACKOFF_MS * 2 ** (attempt - 2));
        const res: BatchGetCommandOutput = await this.ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: keys,
                ProjectionExpression: Object.keys(ORDER_STATUS_ATTRIBUTES).join(', '),
                ExpressionAttributeNames: ORDER_STATUS_ATTRIBUTES,
                ConsistentRead: true,
              },
            },
          }),
        );
        for (const item of res.Responses?.[table] ?? []) found.set(String(item.orderId), statusRead(item));
        keys = res.UnprocessedKeys?.[table]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Units of `productId` available; undefined when it has no stock item. */
  async stock(productId: string): Promise<number | undefined> {
    const item = await this.item(this.tables.inventoryTable, stockKey(productId));
    return typeof item?.available === 'number' ? item.available : undefined;
  }

  /** The stock of each product, read in parallel. */
  async stocks(productIds: readonly string[]): Promise<Map<string, number | undefined>> {
    return new Map(await Promise.all(productIds.map(async (id) => [id, await this.stock(id)] as const)));
  }

  /** Whether analytics has consumed the event of `idempotencyKey` (its seen-marker exists). */
  async analyticsSaw(idempotencyKey: string): Promise<boolean> {
    return (await this.item(this.tables.analyticsTable, seenMarkerKey(idempotencyKey))) !== undefined;
  }

  /** Units of `productId` that analytics counted as fulfilled on `days` (UTC, YYYY-MM-DD), over every shard. */
  async fulfilledUnits(productId: string, days: Iterable<string>): Promise<number> {
    let units = 0;
    for (const day of new Set(days)) {
      for (let shard = 0; shard < ANALYTICS_SHARDS; shard++) {
        const item = await this.item(
          this.tables.analyticsTable,
          analyticsKey({ kind: 'product-day', productId, day, shard }),
        );
        units += Number(item?.[UNITS_ATTRIBUTE] ?? 0);
      }
    }
    return units;
  }

  /** Every aggregate item of analytics (daily totals and per product, every shard); seen-markers are left out. */
  async analyticsAggregates(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.tables.analyticsTable,
          FilterExpression: 'begins_with(pk, :day) OR begins_with(pk, :product)',
          ExpressionAttributeValues: { ':day': 'DAY#', ':product': 'PRODUCT#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async item(
    table: string,
    key: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return Item;
  }
}

function statusRead(item: Record<string, unknown>): OrderStatusRead {
  const history = Array.isArray(item.history) ? (item.history as { status?: unknown; at?: unknown }[]) : [];
  return {
    status: typeof item.status === 'string' ? item.status : undefined,
    reason: typeof item.reason === 'string' ? item.reason : undefined,
    history: history.map((e) => ({ status: String(e.status), at: String(e.at) })),
  };
}
