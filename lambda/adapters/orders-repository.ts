import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DetailType } from '../contracts';
import {
  type NewOrder,
  newOrderRecord,
  type OrderRecord,
  type OutboxEntry,
  type Transition,
} from '../domain/order';
import type { OrdersRepository, WriteResult } from '../domain/ports';
import { isConditionFailure } from './dynamodb-errors';

/** The update of a transition, usable alone (UpdateItem) or inside a TransactWriteItems. */
export interface TransitionUpdate {
  TableName: string;
  Key: { orderId: string };
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * `from` -> `to` on the orders table (key `orderId`): status, a history entry, version + 1 and the
 * outgoing event in `outbox.<DetailType>`, only if the status is still `from`.
 */
export function transitionUpdate(tableName: string, t: Transition): TransitionUpdate {
  const set = [
    '#status = :to',
    '#history = list_append(#history, :history)',
    '#outbox.#detailType = :outboxEntry',
  ];
  const names: Record<string, string> = {
    '#status': 'status',
    '#history': 'history',
    '#outbox': 'outbox',
    '#detailType': t.event.detailType,
    '#version': 'version',
  };
  const values: Record<string, unknown> = {
    ':from': t.from,
    ':to': t.to,
    ':history': [{ status: t.to, at: t.at, eventId: t.causationId }],
    ':outboxEntry': { detail: t.event.detail } satisfies OutboxEntry,
    ':one': 1,
  };
  for (const [attribute, value] of Object.entries(t.changes ?? {})) {
    if (value === undefined) continue;
    set.push(`#${attribute} = :${attribute}`);
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
  }
  return {
    TableName: tableName,
    Key: { orderId: t.orderId },
    UpdateExpression: `SET ${set.join(', ')} ADD #version :one`,
    ConditionExpression: '#status = :from',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export class DynamoOrdersRepository implements OrdersRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as OrderRecord | undefined;
  }

  async create(order: NewOrder): Promise<WriteResult> {
    const item = newOrderRecord(order);
    return this.conditionally(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      ),
    );
  }

  async transition(transition: Transition): Promise<WriteResult> {
    return this.conditionally(() =>
      this.client.send(new UpdateCommand(transitionUpdate(this.tableName, transition))),
    );
  }

  async markPublished(orderId: string, detailType: DetailType, at: string): Promise<void> {
    // `condition-failed` means another delivery marked it already: the goal is reached either way.
    await this.conditionally(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET #outbox.#detailType.#publishedAt = :at',
          // Keep the first time: a later repeat that published again must not rewrite history.
          ConditionExpression:
            'attribute_exists(#outbox.#detailType) AND attribute_not_exists(#outbox.#detailType.#publishedAt)',
          ExpressionAttributeNames: {
            '#outbox': 'outbox',
            '#detailType': detailType,
            '#publishedAt': 'publishedAt',
          },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  private async conditionally(write: () => Promise<unknown>): Promise<WriteResult> {
    try {
      await write();
      return 'applied';
    } catch (error) {
      if (isConditionFailure(error)) return 'condition-failed';
      throw error;
    }
  }
}
