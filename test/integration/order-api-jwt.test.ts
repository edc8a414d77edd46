import { afterAll, describe, expect, it } from '@jest/globals';
import { mintTokenFromFile } from '@order-pipeline/local-cloud/http-api';
import { PROBLEM_CONTENT_TYPE, problemType } from '../../lambda/contracts/order-api';
import { OrderApiClient } from './support/order-api';
import { PipelineUnderTest } from './support/pipeline';
import { describedTarget } from './support/target';

/**
 * The orders API with JWT authorization (`api.authorization: { type: 'jwt' }`): a customer is the
 * token's subject and sees only its own orders. The local target only, where the same deployment is also
 * served as a JWT stage would serve it (test/integration/support/jwt-api.ts); on AWS this needs a stage
 * deployed with JWT authorization and an issuer the suite can get tokens from.
 */

const pipeline = new PipelineUnderTest(describedTarget());
const api = new OrderApiClient(pipeline.target);
afterAll(() => pipeline.close());

function jwtApi() {
  const served = pipeline.target.jwtApi;
  if (!served) throw new Error('the target serves no JWT variant of the API (the local target does)');
  return served;
}

async function asCustomer(subject: string) {
  const { url, issuerFile } = jwtApi();
  const token = await mintTokenFromFile(issuerFile, subject);
  return { baseUrl: url, auth: { token } } as const;
}

const orderBody = (productId: string) => ({
  currency: 'EUR',
  lines: [{ productId, quantity: 1, unitPrice: 990 }],
  totalAmount: 990,
});

describe('the orders API with JWT authorization (local)', () => {
  it.concurrent('GIVEN two customers with tokens WHEN one places an order THEN it is that customer’s, only it can read it, and the other gets 404 and its own order for the same key', async () => {
    const alice = `cus-${pipeline.runId}-alice`;
    const bob = `cus-${pipeline.runId}-bob`;
    const [asAlice, asBob] = await Promise.all([asCustomer(alice), asCustomer(bob)]);
    const key = `${pipeline.runId}-jwt-isolation`;
    const product = pipeline.productId('jwt');
    // WHEN Alice places an order
    const placed = await api.post(orderBody(product), { ...asAlice, key });
    expect(placed.status).toBe(202);
    const orderId = String(placed.json?.orderId);
    // THEN the order is hers: the customer is the token's subject
    expect((await pipeline.order(orderId))?.customerId).toBe(alice);
    // AND she reads it, while Bob is told it does not exist
    const [byAlice, byBob] = await Promise.all([api.get(orderId, asAlice), api.get(orderId, asBob)]);
    expect(byAlice.status).toBe(200);
    expect(byAlice.json?.orderId).toBe(orderId);
    expect(byBob.status).toBe(404);
    expect(byBob.json).toMatchObject({ type: problemType('order-not-found') });
    // AND Bob's request with the same key is his own order, not a replay of hers
    const bobs = await api.post(orderBody(product), { ...asBob, key });
    expect(bobs.status).toBe(202);
    expect(bobs.json?.orderId).not.toBe(orderId);
    expect((await pipeline.order(String(bobs.json?.orderId)))?.customerId).toBe(bob);
  });

  it.concurrent('fails a body that names the customer: the token says who the customer is', async () => {
    const asAlice = await asCustomer(`cus-${pipeline.runId}-alice`);
    const answer = await api.post(
      { ...orderBody(pipeline.productId('jwt-named')), customerId: `cus-${pipeline.runId}-mallory` },
      { ...asAlice, key: `${pipeline.runId}-jwt-named` },
    );
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(answer.json?.errors).toEqual([expect.objectContaining({ path: 'customerId' })]);
  });

  it.concurrent('fails every route without a valid token with 401 from the JWT authorizer', async () => {
    const { url } = jwtApi();
    const key = `${pipeline.runId}-jwt-anonymous`;
    const answers = await Promise.all([
      api.post(orderBody(pipeline.productId('jwt-anonymous')), { baseUrl: url, auth: 'none', key }),
      api.get(`ord-${pipeline.runId}-jwt-anonymous`, { baseUrl: url, auth: 'none' }),
      api.get(`ord-${pipeline.runId}-jwt-anonymous`, { baseUrl: url, auth: { token: 'not.a.token' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
  });
});
