import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { restoreEnv, stubEnv } from '../support/env';

class Intercepted extends Error {
  constructor(readonly url: URL) {
    super('request intercepted');
  }
}

/** Stops a request just before it is sent and reports where it was going. */
const intercept = {
  name: 'intercept',
  step: 'finalizeRequest' as const,
  middleware: () => async (args: { request: unknown }) => {
    const request = args.request as { protocol: string; hostname: string; port?: number; path: string };
    throw new Intercepted(
      new URL(`${request.protocol}//${request.hostname}:${request.port ?? ''}${request.path}`),
    );
  },
};

async function freshClients() {
  jest.resetModules();
  return {
    ...(await import('../../../lambda/adapters/aws-clients')),
    ...(await import('../../../lambda/adapters/eventbridge-client')),
  };
}

afterEach(() => {
  restoreEnv();
});

describe('SDK clients', () => {
  it('GIVEN AWS_ENDPOINT_URL WHEN the document client sends THEN the request goes to that endpoint', async () => {
    stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566');
    stubEnv('AWS_REGION', 'eu-west-1');
    stubEnv('AWS_ACCESS_KEY_ID', 'test');
    stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const { dynamoDbDocumentClient } = await freshClients();
    const client = dynamoDbDocumentClient();
    client.middlewareStack.add(intercept.middleware, { step: intercept.step, name: intercept.name });

    const error = await client
      .send(new GetCommand({ TableName: 't', Key: { orderId: 'o' } }))
      .catch((e) => e);

    expect(error).toBeInstanceOf(Intercepted);
    expect((error as Intercepted).url.host).toBe('127.0.0.1:4566');
  });

  it('GIVEN AWS_ENDPOINT_URL WHEN the EventBridge client sends THEN the request goes to that endpoint', async () => {
    stubEnv('AWS_ENDPOINT_URL', 'http://localhost:4010');
    stubEnv('AWS_REGION', 'eu-west-1');
    stubEnv('AWS_ACCESS_KEY_ID', 'test');
    stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const { eventBridgeClient } = await freshClients();
    const client = eventBridgeClient();
    client.middlewareStack.add(intercept.middleware, { step: intercept.step, name: intercept.name });

    const error = await client.send(new PutEventsCommand({ Entries: [] })).catch((e) => e);

    expect(error).toBeInstanceOf(Intercepted);
    expect((error as Intercepted).url.host).toBe('localhost:4010');
  });

  it('GIVEN the shared settings WHEN a client is created THEN it uses the standard retry mode, once per environment', async () => {
    stubEnv('AWS_REGION', 'eu-west-1');
    const { eventBridgeClient, dynamoDbDocumentClient, SDK_CLIENT_CONFIG } = await freshClients();

    const retryStrategy = (await eventBridgeClient().config.retryStrategy()) as { mode?: string };

    expect(retryStrategy.mode).toBe('standard');
    expect(SDK_CLIENT_CONFIG).not.toHaveProperty('endpoint');
    expect(eventBridgeClient()).toBe(eventBridgeClient());
    expect(dynamoDbDocumentClient()).toBe(dynamoDbDocumentClient());
  });
});
