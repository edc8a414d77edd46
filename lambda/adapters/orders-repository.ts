import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AcceptedOrder,
  acceptedOrderRecord,
  type NewOrder,
  newOrderRecord,
  type OrderRecord,
  type Transition,
  transitionSlot,
} from '../domain/order';
import type { OrderDesk, OrdersRepository, WriteResult } from '../domain/ports';
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

/** Names of the path to the id of the event in the outbox slot, which the incoming event must carry. */
const STORED_EVENT_ID = '#outbox.#detail.#metadata.#eventId';
const STORED_EVENT_ID_NAMES = {
  '#outbox': 'outbox',
  '#detail': 'detail',
  '#metadata': 'metadata',
  '#eventId': 'eventId',
};

/**
 * `from` -> `to` on the orders table (key `orderId`): status, a history entry, version + 1 and the
 * outgoing event in the `outbox` slot (replacing the previous step's), only if the status is still `from`
 * and the slot still holds the incoming event (its id is the transition's causation id).
 */
export function transitionUpdate(tableName: string, t: Transition): TransitionUpdate {
  const set = ['#status = :to', '#history = list_append(#history, :history)', '#outbox = :outbox'];
  const names: Record<string, string> = {
    ...STORED_EVENT_ID_NAMES,
    '#status': 'status',
    '#history': 'history',
    '#version': 'version',
  };
  const values: Record<string, unknown> = {
    ':from': t.from,
    ':to': t.to,
    ':history': [{ status: t.to, at: t.at, eventId: t.causationId }],
    ':outbox': transitionSlot(t),
    ':cause': t.causationId,
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
    ConditionExpression: `#status = :from AND ${STORED_EVENT_ID} = :cause`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export class DynamoOrdersRepository implements OrdersRepository, OrderDesk {
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
    return this.putNew(newOrderRecord(order));
  }

  async accept(order: AcceptedOrder): Promise<WriteResult> {
    return this.putNew(acceptedOrderRecord(order));
  }

  private async putNew(item: OrderRecord): Promise<WriteResult> {
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
