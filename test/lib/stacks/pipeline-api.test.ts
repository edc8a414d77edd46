import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { loadStageConfig } from '../../../lib/config';
import {
  bareStacks,
  type PolicyStatement,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  statementsOf,
  synthStage,
  testApp,
} from '../support/app';

const ROUTES = ['POST /orders', 'GET /orders/{orderId}'];

function setup(stage: 'dev' | 'prod') {
  const s = synthStage(stage);
  const resources = resourcesOf(s.pipelineTemplate);
  const id = (c: IConstruct) => s.pipeline.getLogicalId(c.node.defaultChild as CfnElement);
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const statements = (role: IConstruct): PolicyStatement[] => {
    const roleId = id(role);
    return ofType('AWS::IAM::Policy')
      .filter(([, r]) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap(([, r]) => statementsOf(r));
  };
  return { ...s, resources, id, ofType, statements };
}

describe.each(['dev', 'prod'] as const)('the orders API (%s)', (stage) => {
  let s: ReturnType<typeof setup>;
  beforeAll(() => {
    s = setup(stage);
  }, SYNTH_TIMEOUT_MS);

  it('is one HTTP API with exactly the two routes, each a Lambda proxy integration (payload 2.0) on its own function', () => {
    const apis = s.ofType('AWS::ApiGatewayV2::Api');
    expect(apis).toHaveLength(1);
    expect(apis[0]?.[1].Properties).toMatchObject({ ProtocolType: 'HTTP' });
    const routes = s.ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties ?? {});
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...ROUTES].sort());
    const integrations = Object.fromEntries(s.ofType('AWS::ApiGatewayV2::Integration'));
    const functionOf = (routeKey: string) => {
      // Target: integrations/<integration id>
      const target = routes.find((r) => r.RouteKey === routeKey)?.Target as {
        'Fn::Join': [string, unknown[]];
      };
      expect(target['Fn::Join'][1][0]).toBe('integrations/');
      const integration = integrations[(target['Fn::Join'][1][1] as { Ref: string }).Ref];
      expect(integration?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
      const uri = integration?.Properties?.IntegrationUri as { 'Fn::GetAtt': [string] } | undefined;
      return uri?.['Fn::GetAtt'][0];
    };
    expect(functionOf('POST /orders')).toBe(s.id(s.pipeline.api.placeOrder));
    expect(functionOf('GET /orders/{orderId}')).toBe(s.id(s.pipeline.api.getOrder));
  });

  it('puts every route behind IAM authorization by default', () => {
    const routes = s.ofType('AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(2);
    for (const [, route] of routes) expect(route.Properties?.AuthorizationType).toBe('AWS_IAM');
    expect(s.ofType('AWS::ApiGatewayV2::Authorizer')).toEqual([]);
  });

  it('throttles and access-logs its $default stage, the log kept for the stage’s retention', () => {
    const stages = s.ofType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const props = stages[0]?.[1].Properties ?? {};
    expect(props).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: s.config.api.throttle.rateLimit,
        ThrottlingBurstLimit: s.config.api.throttle.burstLimit,
      },
    });
    const logs = props.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string] }; Format: string };
    expect(logs.DestinationArn['Fn::GetAtt'][0]).toBe(s.id(s.pipeline.api.accessLogGroup));
    expect(Object.keys(JSON.parse(logs.Format))).toEqual(
      expect.arrayContaining(['requestId', 'routeKey', 'status', 'authorizerError', 'integrationError']),
    );
    expect(s.resources[s.id(s.pipeline.api.accessLogGroup)]?.Properties?.RetentionInDays).toBe(
      s.config.logRetentionDays,
    );
    expect(s.config.api.throttle).toEqual(
      stage === 'prod' ? { rateLimit: 500, burstLimit: 1_000 } : { rateLimit: 50, burstLimit: 100 },
    );
  });

  it('lets place-order put and get orders, touch no other table, and put only OrderPlaced with the client source', () => {
    const st = s.statements(s.pipeline.api.placeOrderRole);
    const actionsOf = (statements: typeof st) =>
      statements.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action])).sort();
    const ordersId = s.data.getLogicalId(s.data.ordersTable.node.defaultChild as CfnElement);
    const onDynamoDb = st.filter((x) => JSON.stringify(x.Action).includes('dynamodb:'));
    expect(actionsOf(onDynamoDb)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(onDynamoDb.every((x) => JSON.stringify(x.Resource).includes(ordersId))).toBe(true);
    const putEvents = st.filter((x) => x.Action === 'events:PutEvents');
    expect(putEvents).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [s.id(s.pipeline.eventBus), 'Arn'] },
        Condition: {
          StringEquals: { 'events:source': 'orders.client', 'events:detail-type': ['OrderPlaced'] },
        },
      }),
    ]);
  });

  it('lets get-order only read orders', () => {
    const st = s.statements(s.pipeline.api.getOrderRole);
    const data = st.filter((x) => JSON.stringify(x.Action).includes('dynamodb'));
    expect(data.map((x) => x.Action)).toEqual(['dynamodb:GetItem']);
    expect(st.some((x) => JSON.stringify(x.Action).includes('events:'))).toBe(false);
  });

  it('gives each function its environment', () => {
    const env = (fn: IConstruct) =>
      (s.resources[s.id(fn)]?.Properties?.Environment as { Variables: Record<string, unknown> } | undefined)
        ?.Variables ?? {};
    expect(Object.keys(env(s.pipeline.api.placeOrder)).sort()).toEqual(
      [
        'AUTHORIZATION_TYPE',
        'EVENT_BUS_NAME',
        'NODE_OPTIONS',
        'ORDERS_TABLE',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'STAGE',
      ].sort(),
    );
    expect(env(s.pipeline.api.placeOrder)).toMatchObject({
      AUTHORIZATION_TYPE: 'iam',
      POWERTOOLS_SERVICE_NAME: 'place-order',
    });
    expect(Object.keys(env(s.pipeline.api.getOrder)).sort()).toEqual(
      [
        'AUTHORIZATION_TYPE',
        'NODE_OPTIONS',
        'ORDERS_TABLE',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'STAGE',
      ].sort(),
    );
  });

  it('outputs the API URL for clients to discover', () => {
    expect(s.pipelineTemplate.toJSON().Outputs?.ApiUrl?.Value).toBeDefined();
    expect(JSON.stringify(s.pipelineTemplate.toJSON().Outputs?.ApiUrl?.Value)).toContain(
      s.id(s.pipeline.api.httpApi),
    );
  });

  it('leaves the bus policy as it was: no statement about the client source', () => {
    const bus = s.resources[s.id(s.pipeline.eventBus)]?.Properties?.Policy as {
      Statement: PolicyStatement[];
    };
    expect(JSON.stringify(bus.Statement)).not.toContain('orders.client');
  });
});

describe('the orders API with JWT authorization', () => {
  const config = loadStageConfig('dev', {
    api: {
      authorization: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['orders-client'] },
      throttle: { rateLimit: 50, burstLimit: 100 },
    },
  });
  let template: Template;
  beforeAll(() => {
    const { pipeline } = bareStacks(testApp(), config);
    template = Template.fromStack(pipeline);
  }, SYNTH_TIMEOUT_MS);

  it('has one JWT authorizer for the issuer and audience, reading the Authorization header', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['orders-client'] },
    });
  });

  it('puts every route behind it and tells the functions', () => {
    const resources = resourcesOf(template);
    const authorizerId = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer',
    )?.[0];
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(2);
    for (const route of routes) {
      expect(route.Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
    const functions = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('AUTHORIZATION_TYPE'),
    );
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { AUTHORIZATION_TYPE: 'jwt' } });
    }
  });
});
