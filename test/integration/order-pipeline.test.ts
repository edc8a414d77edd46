import { readFileSync } from 'node:fs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { InvocationReport } from '@order-pipeline/local-cloud/lambda-runner';
import type { OrderToPlace } from '@order-pipeline/pipeline-client/order-producer';
import { stockKey } from '../../lambda/adapters/inventory-repository';
import { CLIENT_SOURCE, EVENT_CONTRACTS, ORDER_PLACED, StockReserved } from '../../lambda/contracts';
import { buildEvent } from '../../lambda/domain/events';
import { type OrderRecord, orderSummaryOf } from '../../lambda/domain/order';
import { PAYMENT_PROVIDER_CALLED } from '../../lambda/domain/payment-provider';
import { SDK_MAX_ATTEMPTS } from '../../lambda/shared/limits';
import { TEST_ORDER_PREFIX } from '../../lib/test-stages';
import type { LogLine } from './support/function-logs';
import { daysOf, FULFILLED_PATH, md5, PipelineUnderTest, statusesOf } from './support/pipeline';
import { eventually } from './support/poll';
import { describedTarget } from './support/target';

/**
 * The reliability scenarios of docs/reliability.md marked L, against the deployed pipeline of the
 * target INTEGRATION_TARGET names (test/integration/support/target.ts). One deployment serves every test;
 * the tests run concurrently because most of their time is spent waiting for visibility timeouts.
 * Faults come from the stage's fault rules (lib/config.ts) or, on the local target, the fault proxy.
 */

const pipeline = new PipelineUnderTest(describedTarget());
const { target } = pipeline;
afterAll(() => pipeline.close());

const STEPS = ['validate-order', 'reserve-stock', 'take-payment', 'fulfil-order'] as const;
const TRANSITIONED = 'order transitioned';
const REPUBLISHED = 'repeat delivery: published the stored event';
const ALREADY_DONE = 'repeat delivery: already done, nothing to do';
const REJECTED = 'record rejected: not a valid event for this function';
const FAILED = 'record failed: it will be redelivered, then dead-lettered after maxReceiveCount';
const FAULT = 'fault injection';
const IGNORED = 'event ignored: the order did not store it (stale or foreign)';
const CONFLICT_RETRY = 'transaction conflict: retrying';

/** Test timeouts: the waits inside each test have their own, shorter deadlines. */
const MARGIN_MS = 120_000;
const FLOW_TEST_MS = pipeline.flowMs(1) + MARGIN_MS;
const RETRIED_FLOW_TEST_MS = pipeline.flowMs(STEPS.length) + MARGIN_MS;
const DEAD_LETTER_TEST_MS = pipeline.deadLetterMs('ValidateOrder') + MARGIN_MS;
const REDRIVE_TEST_MS = pipeline.deadLetterMs('ReserveStock') + pipeline.flowMs(1) + MARGIN_MS;

function anOrder(
  orderId: string,
  productId: string,
  quantity = 1,
  customerId = `cus-${orderId}`,
): OrderToPlace {
  return { orderId, customerId, currency: 'EUR', lines: [{ productId, quantity, unitPrice: 1_250 }] };
}

/** Waits until the functions' logs for `needle` satisfy `accept`; returns them. */
function logsFor(
  needle: string,
  what: string,
  accept: (lines: LogLine[]) => boolean,
  timeoutMs: number,
): Promise<LogLine[]> {
  return eventually(
    what,
    async () => {
      const lines = await pipeline.logs.search(needle);
      return accept(lines) ? lines : undefined;
    },
    timeoutMs,
    1_000,
  );
}

const by = (service: string, message: string) => (l: LogLine) =>
  l.service === service && l.message === message;

/** Every step logged a fault on the first delivery, then `recovery` on the second. */
function retriedAtEveryStep(recovery: string) {
  return (lines: LogLine[]) =>
    STEPS.every(
      (step) =>
        lines.some((l) => by(step, FAULT)(l) && l.receiveCount === 1) &&
        lines.some((l) => by(step, recovery)(l) && l.receiveCount === 2),
    );
}

/** The local runner's invocation reports (the local target only). */
function invocationReports(): InvocationReport[] {
  if (!target.invocationsFile) return [];
  return readFileSync(target.invocationsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as InvocationReport);
}

/**
 * One transition per step, one reservation (the RESERVED entry: its transaction took the stock, ADR 8),
 * one charge, one fulfilment, and OrderFulfilled last in the outbox slot (`finalOrder` waited for
 * analytics to see it; each earlier event caused a transition).
 */
function expectFulfilledOnce(order: OrderRecord) {
  expect(order.status).toBe('FULFILLED');
  expect(statusesOf(order)).toEqual(FULFILLED_PATH);
  expect(order.payment).toMatchObject({ status: 'CAPTURED', amount: order.totalAmount });
  expect(order.fulfilmentId).toEqual(expect.any(String));
  expect(order.outbox.detailType).toBe('OrderFulfilled');
}

/**
 * Exactly one capture for a paid order: every call take-payment made of the payment provider for it used
 * one idempotency key (a retry after a crash derives the same key from the same StockReserved).
 */
async function expectOneCapture(orderId: string) {
  const calls = (
    await logsFor(
      orderId,
      `the payment provider calls of ${orderId}`,
      (lines) => lines.some(by('take-payment', PAYMENT_PROVIDER_CALLED)),
      30_000,
    )
  ).filter(by('take-payment', PAYMENT_PROVIDER_CALLED));
  expect(calls.every((l) => l.chargeStatus === 'captured')).toBe(true);
  expect(new Set(calls.map((l) => l.idempotencyKey)).size).toBe(1);
  return calls;
}

/** Analytics counts a fulfilment when it consumes OrderFulfilled, after the order's last write. */
async function fulfilledUnits(productId: string, orders: readonly OrderRecord[], expected: number) {
  const days = orders.flatMap(daysOf);
  return eventually(
    `analytics to count ${expected} fulfilled units of ${productId}`,
    async () => {
      const units = await pipeline.fulfilledUnits(productId, days);
      return units >= expected ? units : undefined;
    },
    pipeline.flowMs(),
    500,
  );
}

/**
 * jest runs the concurrent tests of one describe block together, but describe blocks one after the other:
 * the groups below only label the source, so that every scenario starts at once.
 */
function scenarios(_group: string, define: () => void): void {
  define();
}

describe(`the order pipeline on ${target.kind} (stage ${target.stage})`, () => {
  scenarios('orders that go through (scenarios 1, 17, compensation)', () => {
    it.concurrent(
      'GIVEN 30 orders WHEN they are placed THEN all 30 are FULFILLED with one reservation, one charge and one fulfilment each, and none is dead-lettered',
      async () => {
        // GIVEN stock for 100 units and 30 orders of 2 units
        const product = pipeline.productId('happy');
        await pipeline.seedStock(product, 100);
        const orders = Array.from({ length: 30 }, (_, i) =>
          anOrder(pipeline.orderId(`happy-${i}`), product, 2),
        );
        // WHEN they are placed on the bus
        await pipeline.place(orders);
        // THEN every order is fulfilled exactly once
        const final = await pipeline.finalOrders(orders.map((o) => o.orderId));
        for (const order of final) expectFulfilledOnce(order);
        // AND the stock went down by exactly 30 x 2 units, and analytics counted 60 units once
        expect(await pipeline.stock(product)).toBe(40);
        expect(await fulfilledUnits(product, final, 60)).toBe(60);
        // AND no DLQ (consumer or rule target) holds anything of these orders
        expect(await pipeline.deadLettersMentioning(orders.map((o) => o.orderId))).toEqual([]);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN 5 units in stock WHEN 12 orders for 1 unit arrive at once THEN exactly 5 are fulfilled, 7 are cancelled OUT_OF_STOCK and the stock ends at 0',
      async () => {
        // GIVEN the last 5 units of a product
        const product = pipeline.productId('last-units');
        await pipeline.seedStock(product, 5);
        const orders = Array.from({ length: 12 }, (_, i) => anOrder(pipeline.orderId(`last-${i}`), product));
        // WHEN 12 orders for one unit each are placed at once
        await pipeline.place(orders);
        // THEN exactly 5 got a unit and 7 were cancelled for lack of stock: no oversell
        const final = await pipeline.finalOrders(
          orders.map((o) => o.orderId),
          pipeline.flowMs(2),
        );
        const fulfilled = final.filter((o) => o.status === 'FULFILLED');
        const cancelled = final.filter((o) => o.status === 'CANCELLED');
        expect(fulfilled).toHaveLength(5);
        expect(cancelled).toHaveLength(7);
        for (const order of cancelled) {
          expect(order.reason).toBe('OUT_OF_STOCK');
          // Never RESERVED: nothing was taken for it
          expect(statusesOf(order)).toEqual(['VALIDATED', 'CANCELLED']);
        }
        for (const order of fulfilled) expectFulfilledOnce(order);
        expect(await pipeline.stock(product)).toBe(0);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN a customer whose card is declined WHEN the order is placed THEN its reserved stock is released once and the order ends CANCELLED with PAYMENT_DECLINED',
      async () => {
        // GIVEN 10 units and a customer the simulated provider declines
        const product = pipeline.productId('declined');
        await pipeline.seedStock(product, 10);
        const orderId = pipeline.orderId('declined');
        const customerId = `${TEST_ORDER_PREFIX.declinedCustomer}${pipeline.runId}`;
        // WHEN the customer orders 3 units
        await pipeline.place([anOrder(orderId, product, 3, customerId)]);
        // THEN the payment failed and the compensation cancelled the order: its history says the stock was
        // taken once (RESERVED) and given back once (the CANCELLED after PAYMENT_FAILED)
        const order = await pipeline.finalOrder(orderId);
        expect(order).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
        expect(order.payment).toMatchObject({ status: 'DECLINED' });
        expect(statusesOf(order)).toEqual(['VALIDATED', 'RESERVED', 'PAYMENT_FAILED', 'CANCELLED']);
        expect(order.outbox.detailType).toBe('OrderCancelled');
        // AND the 3 units are back exactly once
        expect(await pipeline.stock(product)).toBe(10);
      },
      FLOW_TEST_MS,
    );
  });

  scenarios('duplicates (scenarios 2, 3, 4)', () => {
    it.concurrent(
      'GIVEN a fulfilled order WHEN its OrderPlaced is published again, as a producer retry and as a new event THEN both repeats change nothing',
      async () => {
        // GIVEN an order that went through
        const product = pipeline.productId('republished');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('republished'), product, 2);
        const [placed] = await pipeline.place([order]);
        const before = await pipeline.finalOrder(order.orderId);
        // WHEN the producer publishes it again: once with the same event id (a retry: EventBridge gives it
        // a new id), once as a new event with a new event id
        await pipeline.place([{ ...order, eventId: placed?.metadata.eventId }]);
        await pipeline.place([order]);
        // THEN validate-order consumed both as repeats (a repeat leaves no trace but its log line)
        const lines = await logsFor(
          order.orderId,
          'validate-order to log both repeats',
          (all) => all.filter(by('validate-order', ALREADY_DONE)).length >= 2,
          pipeline.flowMs(1),
        );
        expect(lines.filter(by('validate-order', TRANSITIONED))).toHaveLength(1);
        // AND the order, the stock and analytics are as after the first delivery
        expect(await pipeline.order(order.orderId)).toEqual(before);
        expectFulfilledOnce(before);
        expect(await pipeline.stock(product)).toBe(8);
        expect(await fulfilledUnits(product, [before], 2)).toBe(2);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN an order placed through its queue WHEN the identical message is delivered again THEN the second delivery is a no-op',
      async () => {
        // GIVEN an OrderPlaced message, as EventBridge puts it on the queue, delivered and processed
        const product = pipeline.productId('redelivered');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('redelivered'), product, 2);
        const body = pipeline.orderPlacedEnvelope(order);
        await pipeline.send('ValidateOrder', [body]);
        const before = await pipeline.finalOrder(order.orderId);
        // WHEN the same body is delivered once more
        const [again] = await pipeline.send('ValidateOrder', [body]);
        // THEN that delivery is recognised as a repeat and changes nothing
        await logsFor(
          again ?? '',
          'the second delivery to be processed',
          (lines) => lines.some(by('validate-order', ALREADY_DONE)),
          pipeline.flowMs(1),
        );
        expect(await pipeline.order(order.orderId)).toEqual(before);
        expectFulfilledOnce(before);
        expect(await pipeline.stock(product)).toBe(8);
        expect(await fulfilledUnits(product, [before], 2)).toBe(2);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN one order WHEN 6 copies of its message are delivered at once THEN exactly one creates it and the other 5 change nothing',
      async () => {
        // GIVEN 6 identical OrderPlaced messages on the queue at the same time
        const product = pipeline.productId('concurrent');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('concurrent'), product, 2);
        const body = pipeline.orderPlacedEnvelope(order);
        const copies = await pipeline.send(
          'ValidateOrder',
          Array.from({ length: 6 }, () => body),
        );
        // WHEN they are processed (in one batch or by concurrent pollers)
        const final = await pipeline.finalOrder(order.orderId);
        const outcomes = await logsFor(
          order.orderId,
          'every copy to be processed',
          (lines) =>
            copies.every((id) =>
              lines.some(
                (l) =>
                  l.messageId === id &&
                  l.service === 'validate-order' &&
                  [TRANSITIONED, REPUBLISHED, ALREADY_DONE].includes(String(l.message)),
              ),
            ),
          pipeline.flowMs(1),
        );
        // THEN one copy won, and the order went through once: its history holds one of each status. At
        // most one copy logs the transition; none does when the winner's invocation timed out after its
        // write (the function timeout of stage test is 3 s), and then its redelivery republishes.
        const winners = outcomes.filter(
          (l) => by('validate-order', TRANSITIONED)(l) && copies.includes(String(l.messageId)),
        );
        expect(winners.length).toBeLessThanOrEqual(1);
        expectFulfilledOnce(final);
        expect(await pipeline.stock(product)).toBe(8);
        expect(await fulfilledUnits(product, [final], 2)).toBe(2);
      },
      FLOW_TEST_MS,
    );
  });

  scenarios('failures (scenarios 5, 6, 7, 8, 9, 10, 13)', () => {
    it.concurrent(
      'fails only the poison records of a batch: GIVEN 3 good and 2 poison records sent together WHEN processed THEN the good orders complete and are not redelivered, the poison records are',
      async () => {
        // GIVEN one batch: three valid orders and two records no consumer can parse
        const product = pipeline.productId('partial');
        await pipeline.seedStock(product, 10);
        const good = [0, 1, 2].map((i) => anOrder(pipeline.orderId(`partial-${i}`), product));
        const marker = `poison-${pipeline.runId}-partial`;
        const poison = [`{"detail-type":"OrderPlaced","marker":"${marker}-json"`, JSON.stringify({ marker })];
        const ids = await pipeline.send('ValidateOrder', [
          ...good.map((o) => pipeline.orderPlacedEnvelope(o)),
          ...poison,
        ]);
        const goodIds = ids.slice(0, 3);
        const poisonIds = ids.slice(3);
        // WHEN the batch is processed: THEN the good orders go through
        const final = await pipeline.finalOrders(good.map((o) => o.orderId));
        for (const order of final) expectFulfilledOnce(order);
        // AND each poison record comes back for a second delivery (a record that never parsed logs its
        // message id, not its receive count: each delivery logs one rejection)
        for (const id of poisonIds) {
          await logsFor(
            id,
            `poison record ${id} to be delivered again`,
            (lines) => lines.filter(by('validate-order', REJECTED)).length >= 2,
            pipeline.redeliveryMs('ValidateOrder') + pipeline.flowMs(),
          );
        }
        // AND the good records were processed once and never delivered again. The five records usually
        // share one batch, but the queue has several pollers, so they may be split over two.
        const goodLines = (await Promise.all(goodIds.map((id) => pipeline.logs.search(id))))
          .flat()
          .filter((l) => l.service === 'validate-order');
        const invocations = new Set(goodLines.map((l) => l.function_request_id));
        expect(invocations.size).toBeGreaterThanOrEqual(1);
        expect(goodLines.filter((l) => l.message === TRANSITIONED)).toHaveLength(3);
        expect(goodLines.every((l) => l.receiveCount === 1)).toBe(true);
        // AND on the local target, every batch that carried good records reported exactly its poison
        // records as failed, and nothing else
        if (target.invocationsFile) {
          const reports = invocationReports();
          for (const requestId of invocations) {
            const report = reports.find((r) => r.requestId === requestId);
            expect(report).toBeDefined();
            const poisonInBatch = poisonIds.filter((id) => report?.messageIds.includes(id)).sort();
            const failed = report?.outcome.kind === 'partial' ? report.outcome.failedIds : [];
            expect(failed.filter((m) => ids.includes(m)).sort()).toEqual(poisonInBatch);
          }
        }
        // AND the poison records end in the DLQ; the test removes them there
        await pipeline.waitForDeadLetters('ValidateOrder', (body) => body.includes(marker), 2);
        expect(await pipeline.deleteDeadLetters('ValidateOrder', (body) => body.includes(marker), 2)).toBe(2);
      },
      DEAD_LETTER_TEST_MS,
    );

    it.concurrent(
      'GIVEN orders that crash before their write on the first delivery at every step WHEN placed together THEN each step retries them after the visibility timeout and each completes with one effect',
      async () => {
        // GIVEN three orders the fault rule `crash before-write on receive 1` hits at every step
        const product = pipeline.productId('crash-before-write');
        await pipeline.seedStock(product, 10);
        const orders = [0, 1, 2].map((i) =>
          anOrder(pipeline.orderId(`${i}`, TEST_ORDER_PREFIX.crashBeforeWrite), product),
        );
        // WHEN they are placed together (so a batch can fail as a whole)
        await pipeline.place(orders);
        // THEN each completes once
        const final = await pipeline.finalOrders(
          orders.map((o) => o.orderId),
          pipeline.flowMs(STEPS.length),
        );
        for (const order of final) expectFulfilledOnce(order);
        expect(await pipeline.stock(product)).toBe(7);
        expect(await fulfilledUnits(product, final, 3)).toBe(3);
        // AND each was captured once, although take-payment's crash came after the provider call
        for (const o of orders) expect((await expectOneCapture(o.orderId)).length).toBe(2);
        // AND every step failed each of them on the first delivery and succeeded on the second
        for (const o of orders) {
          await logsFor(
            o.orderId,
            `${o.orderId} retried at every step`,
            retriedAtEveryStep(TRANSITIONED),
            30_000,
          );
        }
      },
      RETRIED_FLOW_TEST_MS,
    );

    it.concurrent(
      'fails malformed JSON and schema violations into the DLQ: GIVEN a body that is not JSON and one that breaks the contract WHEN delivered THEN after maxReceiveCount deliveries both rest in the DLQ byte for byte, each delivery having logged the reason without personal data',
      async () => {
        // GIVEN a body that is not JSON and an OrderPlaced whose customer id is an e-mail address
        const marker = `poison-${pipeline.runId}-dlq`;
        const email = `jane.doe.${pipeline.runId}@example.com`;
        const malformed = `{"detail-type":"OrderPlaced","detail":{"marker":"${marker}"`;
        const violating = JSON.parse(
          pipeline.orderPlacedEnvelope(
            anOrder(pipeline.orderId('violating'), pipeline.productId('violating')),
          ),
        );
        violating.detail.data.customerId = email;
        violating.marker = marker;
        const violation = JSON.stringify(violating);
        // WHEN they are sent to validate-order's queue
        const [malformedId, violationId] = await pipeline.send('ValidateOrder', [malformed, violation]);
        // THEN after maxReceiveCount failed deliveries both rest in the DLQ with their bodies byte for byte
        const dead = await pipeline.waitForDeadLetters('ValidateOrder', (body) => body.includes(marker), 2);
        expect(dead.map((m) => m.body).sort()).toEqual([malformed, violation].sort());
        for (const m of dead) expect(m.md5OfBody).toBe(md5(m.body));
        expect(await pipeline.order(violating.detail.data.orderId)).toBeUndefined();
        // AND every delivery logged the reason: where the record broke the contract, never its values
        const { maxReceiveCount } = target.queues.ValidateOrder;
        const deliveries = Array.from({ length: maxReceiveCount }, (_, i) => i + 1);
        const expectedIssues = [
          [malformedId ?? '', { path: 'body', code: 'invalid_json' }],
          [violationId ?? '', { path: 'detail.data.customerId', code: 'invalid_format' }],
        ] as const;
        for (const [id, issue] of expectedIssues) {
          const rejections = await logsFor(
            id,
            `${maxReceiveCount} rejections of ${id}`,
            (lines) => lines.filter(by('validate-order', REJECTED)).length >= maxReceiveCount,
            60_000,
          );
          expect(rejections.filter(by('validate-order', REJECTED))).toHaveLength(deliveries.length);
          for (const line of rejections.filter(by('validate-order', REJECTED))) {
            expect(line.issues).toContainEqual(issue);
          }
        }
        expect(await pipeline.logs.search(email)).toEqual([]);
        expect(await pipeline.deleteDeadLetters('ValidateOrder', (body) => body.includes(marker), 2)).toBe(2);
      },
      DEAD_LETTER_TEST_MS,
    );

    it.concurrent(
      'fails an order whose table is unavailable into the DLQ: GIVEN its DynamoDB requests fail on every delivery WHEN it is placed THEN each delivery is retried, the message rests in the DLQ after maxReceiveCount deliveries, and nothing is written',
      async () => {
        // GIVEN an outage of the orders table for this order: on the local target the fault proxy answers
        // its DynamoDB requests with 503 ServiceUnavailable; elsewhere the `unavailable` fault rule fails
        // validate-order before its write on every delivery (see docs/parity.md)
        const outages = pipeline.outages;
        const orderId = outages
          ? pipeline.orderId('outage')
          : pipeline.orderId('outage', TEST_ORDER_PREFIX.unavailable);
        // Only the orders table: the other consumers keep working.
        const outage = outages ? await outages.start(pipeline.output('OrdersTableName'), orderId) : undefined;
        try {
          // WHEN the order is placed
          const [placed] = await pipeline.place([anOrder(orderId, pipeline.productId('outage'))]);
          // THEN its message is retried until maxReceiveCount, then rests in the DLQ as EventBridge delivered it
          const [dead] = await pipeline.waitForDeadLetters(
            'ValidateOrder',
            (body) => body.includes(orderId),
            1,
          );
          expect(JSON.parse(dead?.body ?? '{}').detail).toEqual(placed);
          // AND nothing was written, and every delivery failed and said so
          expect(await pipeline.order(orderId)).toBeUndefined();
          const { maxReceiveCount } = target.queues.ValidateOrder;
          const failures = (await pipeline.logs.search(orderId)).filter(by('validate-order', FAILED));
          expect(failures.map((l) => Number(l.receiveCount)).sort((a, b) => a - b)).toEqual(
            Array.from({ length: maxReceiveCount }, (_, i) => i + 1),
          );
          if (outages && outage) {
            // AND the SDK retried every request before the delivery failed (standard retry mode)
            expect(await outages.refused(outage)).toBe(maxReceiveCount * SDK_MAX_ATTEMPTS);
            for (const line of failures) expect(JSON.stringify(line.error)).toContain('ServiceUnavailable');
          }
        } finally {
          if (outages && outage) await outages.stop(outage);
        }
        expect(await pipeline.deleteDeadLetters('ValidateOrder', (body) => body.includes(orderId), 1)).toBe(
          1,
        );
      },
      DEAD_LETTER_TEST_MS,
    );

    it.concurrent(
      'GIVEN an order whose payment step stalls past the function timeout after its write WHEN placed THEN the message comes back after the visibility timeout and the order completes with one charge',
      async () => {
        // GIVEN an order the fault rule `take-payment: timeout after-write on receive 1` hits
        const product = pipeline.productId('timeout');
        await pipeline.seedStock(product, 10);
        const orderId = pipeline.orderId('stall', TEST_ORDER_PREFIX.paymentTimeout);
        // WHEN it is placed
        await pipeline.place([anOrder(orderId, product, 2)]);
        // THEN it completes, charged once
        const order = await pipeline.finalOrder(orderId, pipeline.flowMs(1));
        expectFulfilledOnce(order);
        expect(await pipeline.stock(product)).toBe(8);
        await expectOneCapture(orderId);
        // AND take-payment stalled on the first delivery, and the second published the stored event
        const lines = await logsFor(
          orderId,
          'the stall and the redelivery',
          (all) =>
            all.some((l) => by('take-payment', FAULT)(l) && l.action === 'timeout' && l.receiveCount === 1) &&
            all.some((l) => by('take-payment', REPUBLISHED)(l) && l.receiveCount === 2),
          30_000,
        );
        // AND on the local target, the runner stopped that invocation at the timeout
        const stalled = lines.find((l) => by('take-payment', FAULT)(l))?.messageId;
        const reports = invocationReports().filter((r) => r.messageIds.includes(String(stalled)));
        if (target.invocationsFile) expect(reports.map((r) => r.error?.kind)).toContain('timeout');
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN an order that crashes after its write at every step WHEN placed THEN each redelivery only publishes the stored event and the order completes with one effect',
      async () => {
        const product = pipeline.productId('crash-after-write');
        await pipeline.seedStock(product, 10);
        const orderId = pipeline.orderId('after', TEST_ORDER_PREFIX.crashAfterWrite);
        await pipeline.place([anOrder(orderId, product, 2)]);
        const order = await pipeline.finalOrder(orderId, pipeline.flowMs(STEPS.length));
        expectFulfilledOnce(order);
        expect(await pipeline.stock(product)).toBe(8);
        expect(await fulfilledUnits(product, [order], 2)).toBe(2);
        await expectOneCapture(orderId);
        await logsFor(
          orderId,
          'a crash and a republish at every step',
          retriedAtEveryStep(REPUBLISHED),
          30_000,
        );
      },
      RETRIED_FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN an order whose state is written but whose event is not published at every step (crash before the publish) WHEN placed THEN every event is still published from the outbox and the order completes',
      async () => {
        const product = pipeline.productId('crash-before-publish');
        await pipeline.seedStock(product, 10);
        const orderId = pipeline.orderId('publish', TEST_ORDER_PREFIX.crashBeforePublish);
        await pipeline.place([anOrder(orderId, product, 2)]);
        const order = await pipeline.finalOrder(orderId, pipeline.flowMs(STEPS.length));
        expectFulfilledOnce(order);
        expect(await pipeline.stock(product)).toBe(8);
        await expectOneCapture(orderId);
        const lines = await logsFor(
          orderId,
          'a crash before the publish and a republish at every step',
          retriedAtEveryStep(REPUBLISHED),
          30_000,
        );
        expect(lines.filter((l) => l.message === FAULT).every((l) => l.point === 'before-publish')).toBe(
          true,
        );
      },
      RETRIED_FLOW_TEST_MS,
    );
  });

  scenarios('trust boundary (docs/security.md)', () => {
    it.concurrent(
      'GIVEN a fulfilled order WHEN a fact of every internal detail type about it is put with the client’s source THEN no consumer receives one, and orders, stock and analytics do not change',
      async () => {
        // GIVEN an order that went through, and what it left
        const product = pipeline.productId('client-forgery');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('client-forgery'), product, 2);
        await pipeline.place([order]);
        const before = await pipeline.finalOrder(order.orderId);
        expect(await fulfilledUnits(product, [before], 2)).toBe(2);
        // WHEN a client puts every fact only a step may state, valid by its contract, with its own source
        const forged = EVENT_CONTRACTS.filter((c) => c.detailType !== ORDER_PLACED).map((contract) =>
          pipeline.forgedEvent(contract.detailType, before, CLIENT_SOURCE),
        );
        await pipeline.putOnBus(forged.map((f) => f.entry));
        // AND, after them, a genuine order of the same product goes through (every consumer has run since)
        const sentinel = anOrder(pipeline.orderId('client-forgery-after'), product, 1);
        await pipeline.place([sentinel]);
        const after = await pipeline.finalOrder(sentinel.orderId);
        expect(await fulfilledUnits(product, [before, after], 3)).toBe(3);
        // THEN no function saw a forged event, and nothing changed but what the sentinel did
        for (const { eventId } of forged) expect(await pipeline.logs.search(eventId)).toEqual([]);
        expect(await pipeline.order(order.orderId)).toEqual(before);
        expect(await pipeline.stock(product)).toBe(7);
        expect(await pipeline.fulfilledUnits(product, [...daysOf(before), ...daysOf(after)])).toBe(3);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN an order being placed WHEN a StockReserved with the rightful source but a foreign event id and a total of 1 races it THEN it is ignored and the stored total is charged once',
      async () => {
        const product = pipeline.productId('step-forgery');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('step-forgery'), product, 2);
        const forgery = pipeline.forgedEvent(
          StockReserved.detailType,
          { ...order, totalAmount: 1, lines: [{ productId: product, quantity: 1, unitPrice: 1 }] },
          StockReserved.source,
        );
        // WHEN the order is placed and the forgery reaches take-payment at the same time: straight into its
        // queue, as the bus policy refuses the step's source to anyone but its function's role
        await Promise.all([pipeline.place([order]), pipeline.send('TakePayment', [forgery.body])]);
        // THEN the order went through once, charged its own total
        const final = await pipeline.finalOrder(order.orderId);
        expectFulfilledOnce(final);
        expect(final.payment).toMatchObject({ amount: 2 * 1_250 });
        await expectOneCapture(order.orderId);
        // AND take-payment acknowledged the forgery without effect
        const ignored = await logsFor(
          forgery.eventId,
          'take-payment to ignore the forgery',
          (lines) => lines.some((l) => l.service === 'take-payment' && l.message === IGNORED),
          pipeline.flowMs(1),
        );
        expect(ignored.filter((l) => l.level === 'ERROR')).toEqual([]);
        expect(await pipeline.stock(product)).toBe(8);
      },
      FLOW_TEST_MS,
    );

    it.concurrent(
      'GIVEN a fulfilled order WHEN its StockReserved is redriven into take-payment’s queue THEN the payment provider is not called again',
      async () => {
        const product = pipeline.productId('payment-redrive');
        await pipeline.seedStock(product, 10);
        const order = anOrder(pipeline.orderId('payment-redrive'), product, 2);
        await pipeline.place([order]);
        const final = await pipeline.finalOrder(order.orderId);
        const [charge] = await expectOneCapture(order.orderId);
        // WHEN the StockReserved that paid it (its id is the cause of the PAID transition) comes again
        const [, validated, paid] = final.history;
        const stockReserved = buildEvent(StockReserved, orderSummaryOf(final), {
          orderId: final.orderId,
          eventId: String(paid?.eventId),
          causationId: String(validated?.eventId),
          occurredAt: new Date(),
        });
        const [redriven] = await pipeline.send('TakePayment', [pipeline.envelope(stockReserved)]);
        await logsFor(
          String(redriven),
          'take-payment to settle the redriven StockReserved',
          (lines) => lines.some((l) => l.service === 'take-payment' && l.message === ALREADY_DONE),
          pipeline.flowMs(1),
        );
        // THEN the provider saw only the first charge, and the order did not change
        const calls = (await pipeline.logs.search(order.orderId)).filter(
          by('take-payment', PAYMENT_PROVIDER_CALLED),
        );
        expect(calls).toEqual([charge]);
        expect(await pipeline.order(order.orderId)).toEqual(final);
      },
      FLOW_TEST_MS,
    );
  });

  scenarios('transaction conflicts (scenarios 17, 21)', () => {
    it.concurrent(
      'GIVEN 4 units and 8 orders for one unit whose transactions DynamoDB cancels for conflicts WHEN placed at once THEN each write is retried in its invocation, 4 orders are FULFILLED, 4 CANCELLED OUT_OF_STOCK, and none is dead-lettered',
      async () => {
        // GIVEN the last 4 units of a product and 8 orders for one unit each. On the local target the
        // fault proxy cancels each order's first 2 stock transactions, and the first 3 analytics
        // transactions counting the product, with TransactionConflict, as concurrent writers on AWS can
        // (moto serializes its requests and never does); elsewhere the contention alone may cause them
        const product = pipeline.productId('conflict');
        await pipeline.seedStock(product, 4);
        const orders = Array.from({ length: 8 }, (_, i) =>
          anOrder(pipeline.orderId(`conflict-${i}`), product),
        );
        const orderIds = orders.map((o) => o.orderId);
        const outages = pipeline.outages;
        const conflicts = outages
          ? await Promise.all([
              ...orderIds.map((id) => outages.startConflicts(2, pipeline.output('InventoryTableName'), id)),
              outages.startConflicts(3, pipeline.output('AnalyticsTableName'), product),
            ])
          : [];
        try {
          // WHEN they are placed at once
          await pipeline.place(orders);
          // THEN 4 got a unit and 4 were cancelled for lack of stock: no oversell
          const final = await pipeline.finalOrders(orderIds, pipeline.flowMs(1));
          const fulfilled = final.filter((o) => o.status === 'FULFILLED');
          const cancelled = final.filter((o) => o.status === 'CANCELLED');
          expect(fulfilled).toHaveLength(4);
          expect(cancelled).toHaveLength(4);
          for (const order of fulfilled) expectFulfilledOnce(order);
          for (const order of cancelled) {
            expect(order.reason).toBe('OUT_OF_STOCK');
            expect(statusesOf(order)).toEqual(['VALIDATED', 'CANCELLED']);
          }
          expect(await pipeline.stock(product)).toBe(0);
          // AND analytics counted each fulfilled unit once, and no DLQ holds anything of these orders
          expect(await fulfilledUnits(product, fulfilled, 4)).toBe(4);
          expect(await pipeline.deadLettersMentioning(orderIds)).toEqual([]);
          if (outages) {
            // AND every injected conflict was answered, and the functions retried conflicts inside their
            // invocations. How many retries fit in one invocation depends on its time left (a busy machine
            // spills some to a redelivery); the unit tests pin the retry rules themselves.
            expect(await Promise.all(conflicts.map((id) => outages.refused(id)))).toEqual([
              ...orderIds.map(() => 2),
              3,
            ]);
            const isRetry = (l: LogLine) =>
              l.service === 'reserve-stock' &&
              l.message === CONFLICT_RETRY &&
              orderIds.includes(String(l.orderId));
            const retried = await logsFor(
              `conflict`,
              'reserve-stock to retry a conflict inside an invocation',
              (all) => all.some(isRetry),
              30_000,
            );
            expect(retried.filter(isRetry).length).toBeGreaterThan(0);
          }
        } finally {
          if (outages) await Promise.all(conflicts.map((id) => outages.stop(id)));
        }
      },
      FLOW_TEST_MS,
    );
  });

  scenarios('recovery (scenario 15)', () => {
    it.concurrent(
      'GIVEN an order dead-lettered by a malformed stock item WHEN the stock is corrected and the message redriven THEN the order completes once and its message is gone from the DLQ',
      async () => {
        // GIVEN a product whose stock item holds its units as a string (a faulty import, say): reserve-stock
        // can neither take from it nor call it short, so every delivery fails and the message ends in
        // reserve-stock's DLQ (docs/parity.md: how the targets refuse it)
        const product = pipeline.productId('redrive');
        const inventoryTable = pipeline.output('InventoryTableName');
        await pipeline.ddb.send(
          new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(product), available: '10' } }),
        );
        const orderId = pipeline.orderId('redrive');
        await pipeline.place([anOrder(orderId, product, 2)]);
        const matches = (body: string) => body.includes(orderId);
        const [dead] = await pipeline.waitForDeadLetters('ReserveStock', matches, 1);
        expect(JSON.parse(dead?.body ?? '{}')['detail-type']).toBe('OrderValidated');
        expect((await pipeline.order(orderId))?.status).toBe('VALIDATED');
        const { Item: malformed } = await pipeline.ddb.send(
          new GetCommand({ TableName: inventoryTable, Key: stockKey(product), ConsistentRead: true }),
        );
        expect(malformed?.available).toBe('10');
        // WHEN the stock is corrected (the fix) and the DLQ message redriven to its queue
        await pipeline.seedStock(product, 10);
        expect(await pipeline.redrive('ReserveStock', matches, 1)).toBe(1);
        // THEN the order completes with one reservation, and the DLQ holds nothing of it
        const final = await pipeline.finalOrder(orderId, pipeline.flowMs(1));
        expectFulfilledOnce(final);
        expect(await pipeline.stock(product)).toBe(8);
        expect(await fulfilledUnits(product, [final], 2)).toBe(2);
        expect(await pipeline.deadLetters('ReserveStock', matches)).toEqual([]);
      },
      REDRIVE_TEST_MS,
    );
  });
});
