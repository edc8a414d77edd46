import { rmSync } from 'node:fs';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Deployment, deployApp, stackOutput } from '../../src/deploy';
import { type Emulator, LOCAL_CREDENTIALS, startEmulator } from '../../src/emulator';
import { type LocalHttpApis, startLocalHttpApis } from '../../src/http-api';
import { callApi } from '../../src/http-api/client';
import { LocalLambdaRunner } from '../../src/lambda-runner';
import { principalCredentials } from '../../src/principals';
import { MINI_API_AUDIENCE, MINI_API_ISSUER, writeMiniHttpApiAssembly } from './support/mini-http-api';

/**
 * The local HTTP API against moto: a mini app with an IAM route, a JWT route and open routes on one
 * echo function, deployed with the moto shims, served by the gateway, run by the Lambda runner.
 */

let emulator: Emulator;
let deployment: Deployment;
let runner: LocalLambdaRunner;
let apis: LocalHttpApis;
let assembly: string;
let url: string;
const requests: { status: number; reason?: string }[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  assembly = writeMiniHttpApiAssembly();
  deployment = await deployApp({ emulator, assemblyDirectory: assembly });
  runner = new LocalLambdaRunner({ emulator, mappings: [] });
  apis = await startLocalHttpApis({
    deployment,
    emulator,
    runner,
    onRequest: (r) => requests.push({ status: r.status, ...(r.reason ? { reason: r.reason } : {}) }),
  });
  url = apis.apis[0]?.url ?? '';
});

afterAll(async () => {
  await apis?.stop();
  await runner?.stop();
  await emulator?.stop();
  if (assembly) rmSync(assembly, { recursive: true, force: true });
});

const iam = () => ({ credentials: LOCAL_CREDENTIALS, region: emulator.region });

async function echoed(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('the deployed HTTP API on moto', () => {
  it('deploys with its API URL output resolved to the id the gateway serves it under', () => {
    // GIVEN the mini app deployed with the moto shims
    // THEN the output is the URL AWS would give, for the same id the gateway puts in apiId
    const apiId = apis.apis[0]?.definition.apiId;
    expect(stackOutput(deployment, 'ApiUrl')).toBe(
      `https://${apiId}.execute-api.${emulator.region}.amazonaws.com`,
    );
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('routing and the payload 2.0 event', () => {
  it('delivers a signed POST to its route with the event API Gateway builds', async () => {
    // GIVEN a body, a query string with a repeated name and a cookie
    const body = JSON.stringify({ item: 'widget' });
    // WHEN the client signs the request for execute-api with the local credentials
    const res = await callApi({
      method: 'POST',
      url: `${url}/orders?a=1&a=2&b=x%20y`,
      headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2' },
      body,
      iam: iam(),
    });
    // THEN the function got a valid payload 2.0 event for that route, with the caller's identity
    expect(res.headers.get('x-echo')).toBe('yes');
    const event = await echoed(res);
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
    // AND the answer names the request id the function saw, as API Gateway's header does
    const requestContext = event.requestContext as { requestId?: unknown };
    expect(res.headers.get('apigw-requestid')).toBe(requestContext.requestId);
    expect(requestContext.requestId).toEqual(expect.stringMatching(/\S/));
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      cookies: ['c1=v1', 'c2=v2'],
      body,
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        routeKey: 'POST /orders',
        stage: '$default',
        http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        authorizer: {
          iam: { accessKey: LOCAL_CREDENTIALS.accessKeyId, accountId: '123456789012' },
        },
      },
    });
    expect((event.headers as Record<string, string>).authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\//,
    );
  });

  it("names a deployed role as the caller when the request is signed with the role's key", async () => {
    // GIVEN the function's role, whose local key id the gateway maps back to it
    const roleArn = Object.values(deployment.busPolicies.policies.principals)[0] ?? '';
    // WHEN a request is signed with that role's credentials
    const res = await callApi({
      method: 'POST',
      url: `${url}/orders`,
      body: '{}',
      headers: { 'content-type': 'application/json' },
      iam: { credentials: principalCredentials(roleArn), region: emulator.region },
    });
    // THEN the event's caller is that role's session
    const event = await echoed(res);
    const roleName = roleArn.split('/').pop();
    expect(event.requestContext).toMatchObject({
      authorizer: { iam: { userArn: `arn:aws:sts::123456789012:assumed-role/${roleName}/local` } },
    });
  });

  it("fails with 404 and API Gateway's body for a path no route matches", async () => {
    // WHEN a path outside every route is requested (signed, so authorization is not the reason)
    const res = await callApi({ method: 'GET', url: `${url}/nowhere`, iam: iam() });
    // THEN 404 {"message":"Not Found"}
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not Found' });
  });

  it('fails with 500 Internal Server Error when the function throws', async () => {
    // WHEN the open route's function throws
    const res = await callApi({ method: 'GET', url: `${url}/public/throw` });
    // THEN API Gateway's 500, and the log names the function error
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    expect(requests.at(-1)?.reason).toMatch(/function error: Error: thrown by the handler/);
  });

  it('answers a bare string result as a 200 body (the payload 2.0 shorthand)', async () => {
    const res = await callApi({ method: 'GET', url: `${url}/public/plain` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('plain answer');
  });
});

describe('authorization of each route', () => {
  it('fails with 403 Forbidden on the IAM route without a signature', async () => {
    const res = await callApi({ method: 'POST', url: `${url}/orders`, body: '{}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
  });

  it('fails with 401 Unauthorized on the JWT route without a token', async () => {
    const res = await callApi({ method: 'GET', url: `${url}/orders/o-1` });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
  });

  it('fails with 401 on the JWT route for a token of another audience', async () => {
    // GIVEN a token signed by the local issuer, but for another API
    const token = await apis.mintToken('alice', { audience: 'another-api' });
    // WHEN it is presented
    const res = await callApi({ method: 'GET', url: `${url}/orders/o-1`, token });
    // THEN 401, explained in www-authenticate
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('fails with 401 on the JWT route for a token that is not signed by the local issuer', async () => {
    // GIVEN a good token with its signature replaced
    const [header, payload] = (await apis.mintToken('alice')).split('.');
    const forged = `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`;
    // WHEN it is presented
    const res = await callApi({ method: 'GET', url: `${url}/orders/o-1`, token: forged });
    // THEN 401
    expect(res.status).toBe(401);
  });

  it("passes a good token's claims and the path parameter to the function", async () => {
    // GIVEN a token for subject alice, minted for the route's authorizer
    const token = await apis.mintToken('alice', { scopes: ['orders/read'] });
    // WHEN it is presented on the JWT route
    const event = await echoed(await callApi({ method: 'GET', url: `${url}/orders/o%2D1`, token }));
    // THEN the event carries the claims as strings, the scopes and the decoded order id
    expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      routeKey: 'GET /orders/{orderId}',
      pathParameters: { orderId: 'o-1' },
      requestContext: {
        authorizer: {
          jwt: {
            claims: {
              sub: 'alice',
              iss: MINI_API_ISSUER,
              aud: MINI_API_AUDIENCE,
              exp: expect.stringMatching(/^\d+$/),
            },
            scopes: ['orders/read'],
          },
        },
      },
    });
    expect(event).not.toHaveProperty('body');
  });
});
