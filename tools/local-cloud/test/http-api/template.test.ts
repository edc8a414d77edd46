import { describe, expect, it } from '@jest/globals';
import type { CfnTemplate } from '../../src/cloud-assembly';
import { localApiGatewayId } from '../../src/http-api/ids';
import { HttpApiTemplateError, readHttpApis } from '../../src/http-api/template';
import { applyMotoShims } from '../../src/shims';
import {
  MINI_API_AUDIENCE,
  MINI_API_ISSUER,
  miniHttpApiTemplate,
} from '../integration/support/mini-http-api';

const ENV = { region: 'us-east-1', account: '123456789012' };
const STACK = 'LocalMini';

function stackOf(template: CfnTemplate) {
  return {
    stackName: STACK,
    template,
    resources: { Echo: { type: 'AWS::Lambda::Function', physicalId: 'echo-fn' } },
  };
}

function withProperties(logicalId: string, properties: Record<string, unknown>): CfnTemplate {
  const template = miniHttpApiTemplate();
  const resource = template.Resources?.[logicalId];
  if (resource) resource.Properties = { ...resource.Properties, ...properties };
  return template;
}

describe('readHttpApis', () => {
  it('reads the API, its stage, its routes with their authorization and the function they invoke', () => {
    const [api, ...others] = readHttpApis([stackOf(miniHttpApiTemplate())], ENV);
    expect(others).toEqual([]);
    expect(api).toMatchObject({
      name: 'mini-api',
      apiId: localApiGatewayId(STACK, 'Api'),
      stages: [{ name: '$default' }],
    });
    const routes = Object.fromEntries((api?.routes ?? []).map((r) => [r.key.text, r]));
    expect(routes['POST /orders']?.authorization).toEqual({ type: 'AWS_IAM' });
    expect(routes['GET /orders/{orderId}']?.authorization).toMatchObject({
      type: 'JWT',
      authorizer: { issuer: MINI_API_ISSUER, audience: [MINI_API_AUDIENCE] },
      scopes: [],
    });
    expect(routes['ANY /public/{proxy+}']?.integration).toEqual({
      logicalId: 'EchoIntegration',
      functionStackName: STACK,
      functionLogicalId: 'Echo',
      timeoutMs: 30_000,
    });
  });

  it('finds nothing in a template without an HTTP API', () => {
    expect(readHttpApis([stackOf({ Resources: {} })], ENV)).toEqual([]);
  });

  it.each([
    [
      'payload format 1.0',
      withProperties('EchoIntegration', { PayloadFormatVersion: '1.0' }),
      /payload format version 1\.0/,
    ],
    [
      'an HTTP proxy integration',
      withProperties('EchoIntegration', { IntegrationType: 'HTTP_PROXY' }),
      /AWS_PROXY/,
    ],
    ['a Lambda authorizer', withProperties('Jwt', { AuthorizerType: 'REQUEST' }), /JWT and AWS_IAM only/],
    ['an OpenAPI body', withProperties('Api', { Body: { openapi: '3.0.1' } }), /OpenAPI/],
    ['a custom authorizer type', withProperties('PostOrders', { AuthorizationType: 'CUSTOM' }), /CUSTOM/],
  ])('fails with the resource named for %s', (_what, template, reason) => {
    expect(() => readHttpApis([stackOf(template)], ENV)).toThrow(HttpApiTemplateError);
    expect(() => readHttpApis([stackOf(template)], ENV)).toThrow(reason);
  });
});

describe('the api-gateway-v2-refs moto shim', () => {
  it('replaces references to API Gateway V2 resources by the ids the local gateway serves them under', () => {
    // GIVEN the mini API's template, whose output and permission reference the API
    const { template, applied } = applyMotoShims(miniHttpApiTemplate(), { stackName: STACK });
    // THEN the output is the URL AWS would give and the permission names the same id
    const apiId = localApiGatewayId(STACK, 'Api');
    expect(template.Outputs?.ApiUrl?.Value).toEqual({
      'Fn::Sub': `https://${apiId}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}`,
    });
    expect(JSON.stringify(template.Resources?.EchoPermission)).toContain(
      `":",${JSON.stringify(apiId)},"/*/*"`,
    );
    expect(applied.find((a) => a.shim === 'api-gateway-v2-refs')?.logicalIds).toEqual([
      'Api',
      'EchoIntegration',
      'Jwt',
    ]);
  });
});
