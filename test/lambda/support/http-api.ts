import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HttpApiEvent, HttpResponse } from '../../../lambda/adapters/http-api';
import { dynamo } from './aws-mocks';

type Item = Record<string, unknown>;

/** The orders table behind the document client: conditional puts of new orders, consistent gets. */
export function fakeOrdersTable(): Map<string, Item> {
  const orders = new Map<string, Item>();
  dynamo.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string }) => {
    const orderId = String(input.Item.orderId);
    if (input.ConditionExpression === 'attribute_not_exists(orderId)' && orders.has(orderId)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    orders.set(orderId, structuredClone(input.Item));
    return {};
  });
  dynamo.on(GetCommand).callsFake((input: { Key: { orderId: string } }) => {
    const item = orders.get(input.Key.orderId);
    return item === undefined ? {} : { Item: structuredClone(item) };
  });
  return orders;
}

export type Authorizer =
  | { readonly iam: { readonly userArn: string; readonly callerId?: string } }
  | { readonly jwt: { readonly claims: Record<string, string>; readonly scopes?: string[] } };

export const STOREFRONT: Authorizer = {
  iam: {
    userArn: 'arn:aws:sts::123456789012:assumed-role/storefront/task-1',
    callerId: 'AROAEXAMPLE:task-1',
  },
};

export function jwtCaller(sub: string, iss = 'https://issuer.example.com'): Authorizer {
  return { jwt: { claims: { sub, iss, aud: 'orders-client' } } };
}

/** An API Gateway HTTP API event, payload format 2.0, as its Lambda proxy integration sends it. */
export function httpEvent(options: {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly routeKey: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Record<string, string>;
  readonly authorizer?: Authorizer;
}): HttpApiEvent {
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.path,
    rawQueryString: '',
    headers: options.headers ?? {},
    ...(options.pathParameters === undefined ? {} : { pathParameters: options.pathParameters }),
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api-id.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'api-id',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: options.routeKey,
      stage: '$default',
      time: '14/Mar/2025:10:00:00 +0000',
      timeEpoch: 1741946400000,
      ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
    },
  };
}

export function postOrder(
  body: unknown,
  options: { key?: string | undefined; authorizer?: Authorizer; headers?: Record<string, string> } = {},
): HttpApiEvent {
  const key = 'key' in options ? options.key : 'key-1';
  return httpEvent({
    method: 'POST',
    path: '/orders',
    routeKey: 'POST /orders',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    authorizer: options.authorizer ?? STOREFRONT,
  });
}

export function getOrder(orderId: string, authorizer: Authorizer = STOREFRONT): HttpApiEvent {
  return httpEvent({
    method: 'GET',
    path: `/orders/${orderId}`,
    routeKey: 'GET /orders/{orderId}',
    pathParameters: { orderId },
    authorizer,
  });
}

export function bodyOf(response: HttpResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
