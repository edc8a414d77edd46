import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import { describe, expect, it } from '@jest/globals';
import {
  buildEvent,
  type EventContext,
  type IncomingRequest,
  isTextContentType,
  mapResult,
  requestTime,
} from '../../src/http-api/payload';

const NOW = new Date('2024-06-17T15:39:41.472Z');

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: 'POST',
    rawPath: '/orders',
    rawQueryString: '',
    headers: { Host: ['127.0.0.1:3000'], 'User-Agent': ['curl/8'], 'Content-Type': ['application/json'] },
    body: Buffer.from('{"a":1}'),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    port: 3000,
    ...overrides,
  };
}

const context: EventContext = {
  accountId: '123456789012',
  apiId: 'abcdefghij',
  region: 'us-east-1',
  stage: { name: '$default', variables: {} },
  routeKey: 'POST /orders',
  pathParameters: {},
  requestId: 'ZhLNpgotDoEEJUQ=',
  now: NOW,
};

describe('buildEvent', () => {
  it('builds a payload 2.0 event that the Powertools schema accepts', () => {
    // GIVEN a JSON POST with a repeated header, a repeated query parameter and two cookies
    const event = buildEvent(
      request({
        rawQueryString: 'a=1&a=2&empty',
        headers: {
          ...request().headers,
          'X-Multi': ['one', 'two'],
          Cookie: ['c1=v1; c2=v2'],
        },
      }),
      { ...context, authorizer: { jwt: { claims: { sub: 'alice' }, scopes: null } } },
    );
    // THEN it has API Gateway's fields and shapes
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'a=1&a=2&empty',
      queryStringParameters: { a: '1,2', empty: '' },
      cookies: ['c1=v1', 'c2=v2'],
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        domainName: 'abcdefghij.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'abcdefghij',
        http: {
          method: 'POST',
          path: '/orders',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        time: '17/Jun/2024:15:39:41 +0000',
        timeEpoch: NOW.getTime(),
        authorizer: { jwt: { claims: { sub: 'alice' }, scopes: null } },
      },
    });
    // AND header names are lower case, repeated values joined with commas, cookies moved out
    const headers = event.headers as Record<string, string>;
    expect(headers['x-multi']).toBe('one,two');
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('leaves out what the request does not have: body, query, cookies, path parameters, authorizer', () => {
    const event = buildEvent(request({ method: 'GET', body: Buffer.alloc(0) }), context);
    for (const field of ['body', 'queryStringParameters', 'cookies', 'pathParameters', 'stageVariables']) {
      expect(event).not.toHaveProperty(field);
    }
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a body whose content type is not text', () => {
    const event = buildEvent(
      request({
        headers: { 'content-type': ['application/x-www-form-urlencoded'] },
        body: Buffer.from('a=1'),
      }),
      context,
    );
    expect(event).toMatchObject({ body: Buffer.from('a=1').toString('base64'), isBase64Encoded: true });
  });

  it('passes a named stage and its variables, the raw path keeping the stage', () => {
    const event = buildEvent(request({ rawPath: '/prod/orders' }), {
      ...context,
      stage: { name: 'prod', variables: { mode: 'x' } },
    });
    expect(event).toMatchObject({
      rawPath: '/prod/orders',
      stageVariables: { mode: 'x' },
      requestContext: { stage: 'prod' },
    });
  });
});

describe('isTextContentType', () => {
  it.each([
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['application/xml', true],
    ['application/octet-stream', false],
    [undefined, false],
  ])('%s is text: %s', (type, expected) => {
    expect(isTextContentType(type)).toBe(expected);
  });
});

describe('requestTime', () => {
  it('pads the day and time as API Gateway writes them', () => {
    expect(requestTime(new Date('2020-03-02T04:05:06Z'))).toBe('02/Mar/2020:04:05:06 +0000');
  });
});

describe('mapResult', () => {
  it('maps a structured result: status, lower-case headers, cookies, a base64 body decoded', () => {
    const result = mapResult(
      JSON.stringify({
        statusCode: 202,
        headers: { Location: '/orders/1', 'X-Count': 2 },
        cookies: ['a=1'],
        body: Buffer.from('bytes').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(result).toEqual({
      response: {
        statusCode: 202,
        headers: { location: '/orders/1', 'x-count': '2' },
        cookies: ['a=1'],
        body: Buffer.from('bytes'),
      },
    });
  });

  it.each([
    ['a string', JSON.stringify('Hello'), 'Hello'],
    ['an object without statusCode', JSON.stringify({ message: 'hi' }), '{"message":"hi"}'],
    ['null', 'null', 'null'],
  ])('infers 200 application/json for %s', (_what, payload, body) => {
    const result = mapResult(payload);
    expect(result).toMatchObject({
      response: { statusCode: 200, headers: { 'content-type': 'application/json' } },
    });
    expect('response' in result && result.response.body.toString()).toBe(body);
  });

  it.each([
    [{ statusCode: '200' }, /statusCode/],
    [{ statusCode: 99 }, /statusCode/],
    [{ statusCode: 200, body: { a: 1 } }, /body is a object/],
    [{ statusCode: 200, headers: { a: ['x'] } }, /headers/],
    [{ statusCode: 200, cookies: 'a=1' }, /cookies/],
    [{ statusCode: 200, isBase64Encoded: 'yes' }, /isBase64Encoded/],
  ])('fails as malformed for %j (API Gateway answers 500)', (result, reason) => {
    const mapped = mapResult(JSON.stringify(result));
    expect('malformed' in mapped && mapped.malformed).toMatch(reason);
  });
});
