import { afterAll, describe, expect, it } from '@jest/globals';
import {
  ORDER_STATUSES,
  PROBLEM_CONTENT_TYPE,
  type ProblemKind,
  problemType,
} from '../../lambda/contracts/order-api';
import type { OrderRecord } from '../../lambda/domain/order';
import { type ApiAnswer, OrderApiClient } from './support/order-api';
import { daysOf, FULFILLED_PATH, PipelineUnderTest, statusesOf } from './support/pipeline';
import { eventually } from './support/poll';
import { describedTarget } from './support/target';

/**
 * The HTTP API in front of the pipeline (docs/openapi.yaml), on every target: orders placed with
 * `POST /orders` and followed with `GET /orders/{orderId}`, signed with SigV4 as a storefront backend
 * signs them; the idempotency answers (docs/reliability.md, scenario 25) and the error statuses. Every
 * Idempotency-Key, customer and product carries the run id; order ids are the API's (derived from the
 * caller and the key), so they are unique to the run as well.
 */

const pipeline = new PipelineUnderTest(describedTarget());
const api = new OrderApiClient(pipeline.target);
const { target } = pipeline;
afterAll(() => pipeline.close());

const MARGIN_MS = 120_000;
const FLOW_TEST_MS = pipeline.flowMs(1) + MARGIN_MS;
const API_PATH = ['ACCEPTED', ...FULFILLED_PATH];
const AFTER_ACCEPTANCE = new Set<string>(ORDER_STATUSES);

const key = (label: string) => `${pipeline.runId}-${label}`;

function anOrderBody(productId: string, quantity = 1, customerId = `cus-${pipeline.runId}`) {
  const unitPrice = 1_250;
  return {
    customerId,
    currency: 'EUR',
    lines: [{ productId, quantity, unitPrice }],
    totalAmount: quantity * unitPrice,
  };
}

function expectProblem(answer: ApiAnswer, status: number, kind: ProblemKind) {
  expect({ status: answer.status, contentType: answer.headers.get('content-type') }).toEqual({
    status,
    contentType: expect.stringContaining(PROBLEM_CONTENT_TYPE),
  });
  expect(answer.json).toMatchObject({ type: problemType(kind), status });
}

function orderIdOf(answer: ApiAnswer): string {
  expect(answer.status).toBe(202);
  const orderId = answer.json?.orderId;
  if (typeof orderId !== 'string') throw new Error(`no orderId in ${JSON.stringify(answer.json)}`);
  return orderId;
}

/** The GET answers until the order is FULFILLED, with the pipeline settled behind it (analytics saw it). */
async function fulfilledThroughApi(orderId: string): Promise<{ view: ApiAnswer; order: OrderRecord }> {
  const view = await eventually(
    `GET /orders/${orderId} to answer FULFILLED`,
    async () => {
      const answer = await api.get(orderId);
      expect(answer.status).toBe(200);
      return answer.json?.status === 'FULFILLED' ? answer : undefined;
    },
    pipeline.flowMs(),
    500,
  );
  return { view, order: await pipeline.finalOrder(orderId) };
}

/**
 * One order, one effect of each kind: one transition per status, the stock down by the order's units
 * once, and analytics counting them once.
 */
async function expectPlacedOnce(order: OrderRecord, productId: string, seeded: number, quantity: number) {
  expect(order.status).toBe('FULFILLED');
  expect(statusesOf(order)).toEqual(API_PATH);
  expect(await pipeline.stock(productId)).toBe(seeded - quantity);
  const units = await eventually(
    `analytics to count the units of ${productId}`,
    async () => {
      const counted = await pipeline.fulfilledUnits(productId, daysOf(order));
      return counted >= quantity ? counted : undefined;
    },
    pipeline.flowMs(),
    500,
  );
  expect(units).toBe(quantity);
}

describe(`the orders API on ${target.kind} (stage ${target.stage})`, () => {
  it.concurrent(
    'GIVEN a valid order WHEN it is POSTed THEN it is accepted with its Location, and GET follows it to FULFILLED with its history',
    async () => {
      // GIVEN stock for the order
      const product = pipeline.productId('api-happy');
      await pipeline.seedStock(product, 10);
      // WHEN the order is POSTed
      const placed = await api.post(anOrderBody(product, 2), { key: key('happy') });
      // THEN 202 ACCEPTED, with where to read it
      const orderId = orderIdOf(placed);
      expect(placed.json).toEqual({ orderId, status: 'ACCEPTED' });
      expect(placed.headers.get('location')).toBe(`/orders/${orderId}`);
      // AND GET answers its way to FULFILLED, with every status it went through, oldest first
      const { view, order } = await fulfilledThroughApi(orderId);
      expect(view.json).toEqual({
        orderId,
        status: 'FULFILLED',
        history: API_PATH.map((status) => ({ status, at: expect.any(String) })),
      });
      expect(view.json?.history).toEqual(order.history.map(({ status, at }) => ({ status, at })));
      await expectPlacedOnce(order, product, 10, 2);
    },
    FLOW_TEST_MS,
  );

  it.concurrent('GIVEN orders just accepted WHEN each is read with GET at once THEN none answers 404: ACCEPTED or a later status', async () => {
    const product = pipeline.productId('api-read-early');
    await pipeline.seedStock(product, 10);
    const answers = await Promise.all(
      Array.from({ length: 3 }, async (_, i) => {
        const orderId = orderIdOf(await api.post(anOrderBody(product), { key: key(`read-early-${i}`) }));
        return api.get(orderId);
      }),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(AFTER_ACCEPTANCE.has(String(answer.json?.status))).toBe(true);
      expect(answer.json?.history).toEqual(
        expect.arrayContaining([{ status: 'ACCEPTED', at: expect.any(String) }]),
      );
    }
  });

  it.concurrent(
    'GIVEN an accepted order WHEN the same POST is retried with the same key, at once and after it was fulfilled THEN each retry answers the same order with its current status, and there is one order',
    async () => {
      const product = pipeline.productId('api-replay');
      await pipeline.seedStock(product, 10);
      const body = anOrderBody(product, 3);
      const first = await api.post(body, { key: key('replay') });
      const orderId = orderIdOf(first);
      // WHEN the client retries, before and after the order went through
      const retried = await api.post(body, { key: key('replay') });
      await fulfilledThroughApi(orderId);
      const late = await api.post(body, { key: key('replay') });
      // THEN each retry names the first order, with the status it has by then; one order was placed
      for (const answer of [retried, late]) {
        expect(orderIdOf(answer)).toBe(orderId);
        expect(answer.headers.get('location')).toBe(`/orders/${orderId}`);
      }
      expect(AFTER_ACCEPTANCE.has(String(retried.json?.status))).toBe(true);
      expect(late.json).toEqual({ orderId, status: 'FULFILLED' });
      await expectPlacedOnce(await pipeline.finalOrder(orderId), product, 10, 3);
    },
    FLOW_TEST_MS,
  );

  it.concurrent(
    'fails to reuse an Idempotency-Key with another body: 422 problem+json, and the first order stays as it was',
    async () => {
      const product = pipeline.productId('api-reuse');
      await pipeline.seedStock(product, 10);
      const first = await api.post(anOrderBody(product, 1), { key: key('reuse') });
      const orderId = orderIdOf(first);
      // WHEN the same key comes with another quantity
      const reused = await api.post(anOrderBody(product, 4), { key: key('reuse') });
      // THEN 422, and nothing about the order changed
      expectProblem(reused, 422, 'idempotency-key-reused');
      expect(reused.json).not.toHaveProperty('orderId');
      const { order } = await fulfilledThroughApi(orderId);
      expect(order.lines).toEqual([expect.objectContaining({ productId: product, quantity: 1 })]);
      await expectPlacedOnce(order, product, 10, 1);
    },
    FLOW_TEST_MS,
  );

  it.concurrent(
    'GIVEN 6 concurrent POSTs of one order with one key THEN there is exactly one order, and every answer is its 202',
    async () => {
      const product = pipeline.productId('api-concurrent');
      await pipeline.seedStock(product, 10);
      const body = anOrderBody(product, 2);
      // WHEN six copies of the request race
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => api.post(body, { key: key('race') })),
      );
      // THEN the ones that lost the conditional write answer the winner's order: one order id in all
      const orderIds = new Set(answers.map(orderIdOf));
      expect(orderIds.size).toBe(1);
      // AND a retry after the race gets the same order
      const [orderId] = [...orderIds] as [string];
      expect(orderIdOf(await api.post(body, { key: key('race') }))).toBe(orderId);
      await expectPlacedOnce(await pipeline.finalOrder(orderId), product, 10, 2);
    },
    FLOW_TEST_MS,
  );

  it.concurrent('fails an invalid body with 400 problem+json naming the field paths and rules, never the values', async () => {
    const secret = `secret-${pipeline.runId}`;
    const answer = await api.post(
      {
        customerId: `cus-${pipeline.runId}`,
        currency: `EURO-${secret}`,
        lines: [{ productId: pipeline.productId('api-invalid'), quantity: -3, unitPrice: 1_250 }],
        totalAmount: 100,
        note: secret,
      },
      { key: key('invalid') },
    );
    expectProblem(answer, 400, 'invalid-body');
    const paths = ((answer.json?.errors ?? []) as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['currency', 'lines.0.quantity', 'note']));
    expect(JSON.stringify(answer.json)).not.toContain(secret);
  });

  it.concurrent('fails a POST without an Idempotency-Key with 400 problem+json', async () => {
    const answer = await api.post(anOrderBody(pipeline.productId('api-no-key')));
    expectProblem(answer, 400, 'invalid-idempotency-key');
  });

  it.concurrent('fails a body that is not JSON with 415 problem+json', async () => {
    const answer = await api.post('customerId=cus-1&currency=EUR', {
      key: key('not-json'),
      contentType: 'application/x-www-form-urlencoded',
    });
    expectProblem(answer, 415, 'unsupported-media-type');
  });

  it.concurrent('fails a GET of an unknown order id with 404 problem+json', async () => {
    const answer = await api.get(`ord-${pipeline.runId}-never-placed`);
    expectProblem(answer, 404, 'order-not-found');
  });

  it.concurrent('fails every route without credentials with 403 from the IAM authorizer', async () => {
    const posted = await api.post(anOrderBody(pipeline.productId('api-anonymous')), {
      key: key('anonymous'),
      auth: 'none',
    });
    const read = await api.get(`ord-${pipeline.runId}-anonymous`, { auth: 'none' });
    // API Gateway answers itself, before any function runs: its own body, not a problem
    for (const answer of [posted, read]) {
      expect({ status: answer.status, body: answer.json }).toEqual({
        status: 403,
        body: { message: expect.any(String) },
      });
    }
  });
});
