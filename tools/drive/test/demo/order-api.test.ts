import { describe, expect, it } from '@jest/globals';
import type { ApiCall } from '@order-pipeline/local-cloud/http-api/client';
import { OrderApiClient, OrderApiError } from '../../src/demo/order-api';

const ORDER = {
  orderId: 'demo-ab12-001-ok',
  customerId: 'cus-001',
  currency: 'EUR',
  lines: [{ productId: 'sku-espresso-250g', quantity: 2, unitPrice: 1_250 }],
  totalAmount: 2_500,
};
const ACCEPTED = { orderId: '6f1c2e1a-6b1d-8c55-9a3e-0d2f7e8b9c10', status: 'ACCEPTED' };
const IAM = { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A client whose requests are answered, in turn, by `answers`; it records every call and every wait. */
function clientAnswering(...answers: Response[]) {
  const calls: ApiCall[] = [];
  const waits: number[] = [];
  const client = new OrderApiClient({
    url: 'http://127.0.0.1:4000/',
    iam: IAM,
    send: async (call) => {
      calls.push(call);
      const answer = answers.shift();
      if (!answer) throw new Error('no answer left');
      return answer;
    },
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { client, calls, waits };
}

describe('OrderApiClient.place', () => {
  it('GIVEN a demo order WHEN placed THEN it is POSTed signed, keyed by its own id, without the id in the body', async () => {
    const { client, calls } = clientAnswering(
      json(202, ACCEPTED, { location: `/orders/${ACCEPTED.orderId}` }),
    );

    const accepted = await client.place(ORDER);

    expect(accepted).toEqual(ACCEPTED);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe('http://127.0.0.1:4000/orders');
    expect(call?.iam).toEqual(IAM);
    expect(call?.headers?.['Idempotency-Key']).toBe(ORDER.orderId);
    const { orderId: _id, ...body } = ORDER;
    expect(JSON.parse(call?.body ?? '')).toEqual(body);
  });

  it('GIVEN a 429 (throttled) and a 503 WHEN placed THEN it retries with the same key and body', async () => {
    const { client, calls, waits } = clientAnswering(
      json(429, { message: 'Too Many Requests' }, { 'retry-after': '1' }),
      json(503, { type: 'x', title: 'dependency', status: 503, detail: 'retry' }),
      json(202, ACCEPTED),
    );

    await expect(client.place(ORDER)).resolves.toEqual(ACCEPTED);

    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers?.['Idempotency-Key']))).toEqual(new Set([ORDER.orderId]));
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    expect(waits).toEqual([1_000, 200]);
  });

  it('fails with the problem title and detail on a 422, without retrying', async () => {
    const { client, calls } = clientAnswering(
      json(422, {
        type: 'x',
        title: 'The Idempotency-Key was already used',
        status: 422,
        detail: 'use a new key',
      }),
    );

    const error = await client.place(ORDER).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OrderApiError);
    expect((error as Error).message).toContain(
      'answered 422: The Idempotency-Key was already used: use a new key',
    );
    expect(calls).toHaveLength(1);
  });

  it('fails after six attempts that all answer 503', async () => {
    const { client, calls } = clientAnswering(...Array.from({ length: 6 }, () => json(503, {})));

    await expect(client.place(ORDER)).rejects.toThrow(/answered 503/);
    expect(calls).toHaveLength(6);
  });
});

describe('OrderApiClient.read', () => {
  const VIEW = {
    orderId: ACCEPTED.orderId,
    status: 'CANCELLED',
    reason: 'OUT_OF_STOCK',
    history: [
      { status: 'ACCEPTED', at: '2026-11-26T10:00:00.000Z' },
      { status: 'CANCELLED', at: '2026-11-26T10:00:02.000Z' },
    ],
  };

  it('GIVEN a known order WHEN read THEN its view is returned', async () => {
    const { client, calls } = clientAnswering(json(200, VIEW));

    await expect(client.read(ACCEPTED.orderId)).resolves.toEqual(VIEW);
    expect(calls[0]?.method).toBe('GET');
    expect(calls[0]?.url).toBe(`http://127.0.0.1:4000/orders/${ACCEPTED.orderId}`);
  });

  it('GIVEN a 404 WHEN read THEN the order is absent', async () => {
    const { client } = clientAnswering(
      json(404, { type: 'x', title: 'No such order', status: 404, detail: '' }),
    );

    await expect(client.read('unknown')).resolves.toBeUndefined();
  });

  it('fails on a 403 (authentication), naming the request', async () => {
    const { client } = clientAnswering(json(403, { message: 'Forbidden' }));

    await expect(client.read('o-1')).rejects.toThrow('GET /orders/o-1 answered 403');
  });

  it('fails on a body that breaks the contract', async () => {
    const { client } = clientAnswering(json(200, { orderId: 'o-1', status: 'SHIPPED', history: [] }));

    await expect(client.read('o-1')).rejects.toThrow();
  });
});
