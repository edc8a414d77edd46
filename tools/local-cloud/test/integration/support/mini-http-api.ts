import type { CfnTemplate } from '../../../src/cloud-assembly';
import { MINI_ASSET, MINI_BUCKET, writeAssembly } from './mini-app';

/**
 * A hand-written assembly with an HTTP API as the CDK's HttpApi synthesizes it (API, `$default` stage,
 * Lambda proxy integration with payload 2.0, routes, a JWT authorizer, the invoke permission), for the
 * local HTTP API's own tests:
 *
 *   POST /orders            AWS_IAM   echo
 *   GET  /orders/{orderId}  JWT       echo
 *   ANY  /public/{proxy+}   NONE      `throw` throws, `plain` answers a bare string, anything else echoes
 */

export const MINI_API_ISSUER = 'https://issuer.example.com/local-mini';
export const MINI_API_AUDIENCE = 'local-mini-api';

/** Answers its event as the JSON body, so a test sees exactly what the function received. */
export const MINI_API_HANDLER = `
exports.handler = async (event) => {
  if (event.rawPath.endsWith('/throw')) throw new Error('thrown by the handler');
  if (event.rawPath.endsWith('/plain')) return 'plain answer';
  return { statusCode: 200, headers: { 'content-type': 'application/json', 'x-echo': 'yes' }, body: JSON.stringify(event) };
};
`;

export function miniHttpApiTemplate(): CfnTemplate {
  const api = { Ref: 'Api' };
  const route = (key: string, authorization: Record<string, unknown>) => ({
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: {
      ApiId: api,
      RouteKey: key,
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'EchoIntegration' }]] },
      ...authorization,
    },
  });
  return {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
        },
      },
      Echo: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['Role'],
        Properties: {
          Code: { S3Bucket: MINI_BUCKET, S3Key: `${MINI_ASSET}.zip` },
          Handler: 'index.handler',
          Runtime: 'nodejs20.x',
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Timeout: 3,
          MemorySize: 128,
          Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'echo' } },
        },
      },
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'mini-api', ProtocolType: 'HTTP' } },
      DefaultStage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: { ApiId: api, StageName: '$default', AutoDeploy: true },
      },
      EchoIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: api,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Echo', 'Arn'] },
          PayloadFormatVersion: '2.0',
        },
      },
      EchoPermission: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['Echo', 'Arn'] },
          Principal: 'apigateway.amazonaws.com',
          SourceArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':execute-api:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':',
                api,
                '/*/*',
              ],
            ],
          },
        },
      },
      Jwt: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: api,
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Issuer: MINI_API_ISSUER, Audience: [MINI_API_AUDIENCE] },
          Name: 'Jwt',
        },
      },
      PostOrders: route('POST /orders', { AuthorizationType: 'AWS_IAM' }),
      GetOrder: route('GET /orders/{orderId}', { AuthorizationType: 'JWT', AuthorizerId: { Ref: 'Jwt' } }),
      Public: route('ANY /public/{proxy+}', { AuthorizationType: 'NONE' }),
    },
    Outputs: { ApiUrl: { Value: { 'Fn::GetAtt': ['Api', 'ApiEndpoint'] } } },
  };
}

export function writeMiniHttpApiAssembly(): string {
  return writeAssembly(miniHttpApiTemplate(), MINI_API_HANDLER);
}
