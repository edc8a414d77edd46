import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoOrdersRepository, transitionUpdate } from '../../../lambda/adapters/orders-repository';
import { OrderValidated, StockReserved } from '../../../lambda/contracts';
import { buildEvent } from '../../../lambda/domain/events';
import type { Transition } from '../../../lambda/domain/order';
import { anOrder } from '../support/events';

const dynamo = mockClient(DynamoDBDocumentClient);
const repository = () =>
  new DynamoOrdersRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'orders-table');
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const order = anOrder({ orderId: 'order-1' });
const CAUSE = crypto.randomUUID();
const origin = {
  orderId: 'order-1',
  eventId: crypto.randomUUID(),
  occurredAt: new Date('2025-03-14T10:00:00Z'),
  causationId: CAUSE,
};
const validated = buildEvent(OrderValidated, order, origin);
const transition: Transition = {
  orderId: 'order-1',
  from: 'RESERVED',
  to: 'PAID',
  at: '2025-03-14T10:00:00.000Z',
  causationId: CAUSE,
  event: buildEvent(StockReserved, order, origin),
  changes: { payment: { status: 'CAPTURED', paymentId: 'pay-1', amount: 3700, currency: 'EUR', at: 'now' } },
  order,
};
/** What the slot keeps of an event whose every other field the item holds. */
const compactSlot = (detailType: string) => ({
  detailType,
  detail: { metadata: { eventId: origin.eventId }, data: {} },
});

beforeEach(() => {
  dynamo.reset();
});

describe('DynamoOrdersRepository', () => {
  it('GIVEN a new order WHEN created THEN it is put only if absent, with its first history entry and, in the outbox slot, the id of its event', async () => {
    dynamo.on(PutCommand).resolves({});

    const result = await repository().create({
      ...order,
      status: 'VALIDATED',
      at: '2025-03-14T10:00:00.000Z',
      causationId: CAUSE,
      event: validated,
    });

    expect(result).toBe('applied');
    const input = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: 'orders-table',
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
    expect(input?.Item).toEqual({
      ...order,
      status: 'VALIDATED',
      history: [{ status: 'VALIDATED', at: '2025-03-14T10:00:00.000Z', eventId: CAUSE }],
      version: 1,
      outbox: compactSlot('OrderValidated'),
    });
  });

  it('GIVEN an existing order WHEN created again THEN the refused condition is reported, not thrown', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());

    const result = await repository().create({
      ...order,
      status: 'VALIDATED',
      at: 'now',
      causationId: 'c',
      event: validated,
    });

    expect(result).toBe('condition-failed');
  });

  it('GIVEN a transition WHEN written THEN one update conditional on the status and the stored event moves status, history, version and changes, and replaces the outbox slot', async () => {
    dynamo.on(UpdateCommand).resolves({});

    expect(await repository().transition(transition)).toBe('applied');

    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual(
      transitionUpdate('orders-table', transition),
    );
    expect(transitionUpdate('orders-table', transition)).toEqual({
      TableName: 'orders-table',
      Key: { orderId: 'order-1' },
      UpdateExpression:
        'SET #status = :to, #history = list_append(#history, :history), #outbox = :outbox, #payment = :payment ADD #version :one',
      ConditionExpression: '#status = :from AND #outbox.#detail.#metadata.#eventId = :cause',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#history': 'history',
        '#outbox': 'outbox',
        '#detail': 'detail',
        '#metadata': 'metadata',
        '#eventId': 'eventId',
        '#version': 'version',
        '#payment': 'payment',
      },
      ExpressionAttributeValues: {
        ':from': 'RESERVED',
        ':to': 'PAID',
        ':history': [{ status: 'PAID', at: '2025-03-14T10:00:00.000Z', eventId: CAUSE }],
        ':outbox': compactSlot('StockReserved'),
        ':cause': CAUSE,
        ':one': 1,
        ':payment': transition.changes?.payment,
      },
    });
  });

  it('GIVEN the order is not in the expected status WHEN transitioned THEN the refused condition is reported', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    expect(await repository().transition(transition)).toBe('condition-failed');
  });

  it('fails with the SDK error when the table is unavailable or throttled (scenarios 8, 18)', async () => {
    const throttled = Object.assign(new Error('Throughput exceeds the current capacity'), {
      name: 'ProvisionedThroughputExceededException',
    });
    dynamo.on(UpdateCommand).rejects(throttled);

    await expect(repository().transition(transition)).rejects.toThrow(throttled);
  });

  it('GIVEN an order id WHEN read THEN the read is strongly consistent', async () => {
    dynamo.on(GetCommand).resolves({ Item: { orderId: 'order-1', status: 'PAID' } });

    expect(await repository().get('order-1')).toMatchObject({ status: 'PAID' });
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'orders-table',
      Key: { orderId: 'order-1' },
      ConsistentRead: true,
    });
  });
});
