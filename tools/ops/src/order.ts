import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type PipelineResources, stageOutput } from '@order-pipeline/pipeline-client/discovery';
import { placeOrders } from '@order-pipeline/pipeline-client/order-producer';
import { stockKey } from '../../../lambda/adapters/inventory-repository';
import { isFinalOrderStatus } from '../../../lambda/domain/order';

/**
 * `npm run ops -- order`: one order placed on a deployed stage as a client would, followed through
 * the orders table to its final state. The first-deploy check that the whole flow works.
 */

export interface OrderCheckContext {
  readonly events: EventBridgeClient;
  readonly ddb: DynamoDBDocumentClient;
  readonly resources: PipelineResources;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Each status the order reaches, as it is seen. */
  readonly onStatus?: (status: string, elapsedMs: number) => void;
}

export interface OrderCheckOptions {
  readonly productId: string;
  /** Units of `productId` to put in stock first (replacing what is there); undefined leaves the stock alone. */
  readonly stock?: number;
  readonly currency: string;
  readonly timeoutMs: number;
  /** @default 1 s */
  readonly pollMs?: number;
}

export interface OrderCheckOutcome {
  readonly orderId: string;
  /** Statuses in the order they were stored (the order's history). */
  readonly statuses: readonly string[];
  /** The final status, or undefined if none was reached in time. */
  readonly final?: string;
  readonly reason?: string;
  readonly elapsedMs: number;
}

export async function placeCheckOrder(
  ctx: OrderCheckContext,
  options: OrderCheckOptions,
): Promise<OrderCheckOutcome> {
  const ordersTable = stageOutput(ctx.resources, 'OrdersTableName');
  const started = ctx.now().getTime();
  // Sortable and traceable: the id says who placed it and when.
  const orderId = `ops-check-${ctx
    .now()
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 17)}`;
  if (options.stock !== undefined) {
    await ctx.ddb.send(
      new PutCommand({
        TableName: stageOutput(ctx.resources, 'InventoryTableName'),
        Item: { ...stockKey(options.productId), available: options.stock },
      }),
    );
  }
  await placeOrders(
    [
      {
        orderId,
        customerId: 'ops-check',
        currency: options.currency,
        lines: [{ productId: options.productId, quantity: 1, unitPrice: 100 }],
      },
    ],
    { eventBusName: ctx.resources.eventBusName, client: ctx.events },
  );

  let seen: string[] = [];
  for (;;) {
    const elapsedMs = ctx.now().getTime() - started;
    const { Item } = await ctx.ddb.send(
      new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true }),
    );
    const statuses = ((Item?.history as { status: string }[] | undefined) ?? []).map((h) => h.status);
    for (const status of statuses.slice(seen.length)) ctx.onStatus?.(status, elapsedMs);
    seen = statuses;
    const status = Item?.status as string | undefined;
    if (isFinalOrderStatus(status)) {
      return {
        orderId,
        statuses,
        final: status,
        elapsedMs,
        ...(Item?.reason ? { reason: String(Item.reason) } : {}),
      };
    }
    if (elapsedMs >= options.timeoutMs) return { orderId, statuses, elapsedMs };
    await ctx.sleep(options.pollMs ?? 1_000);
  }
}
