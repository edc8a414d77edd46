import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnTemplate } from '../../../src/cloud-assembly';

/**
 * A hand-written cloud assembly with the resource types the pipeline uses, small and fast enough to
 * test the emulator, the deployer and the Lambda runner without `cdk synth`: per consumer a queue with a
 * DLQ, a rule on a bus routing one detail type to it, a function and its SQS mapping; plus a table.
 */

export const MINI_STACK = 'LocalMini';
export const MINI_BUCKET = 'cdk-hnb659fds-assets-123456789012-us-east-1';
export const MINI_ASSET = 'a1b2c3d4';

/**
 * The function's bundle. Per record, the body's `action` decides: `ok`, `fail` (reported in
 * batchItemFailures), `throw` (the invocation fails), `hang` (never settles: timeout), `malformed`
 * (answers an empty itemIdentifier), `version` (logs `node <process.version>`). An EventBridge envelope is unwrapped first.
 */
export const MINI_HANDLER = `
exports.handler = async (event) => {
  const failures = [];
  for (const record of event.Records) {
    let body = JSON.parse(record.body);
    if (body.detail) body = body.detail;
    if (body.action === 'throw') throw new Error('thrown by the handler');
    if (body.action === 'hang') await new Promise(() => {});
    if (body.action === 'malformed') return { batchItemFailures: [{ itemIdentifier: '' }] };
    if (body.action === 'version') console.log('node ' + process.version);
    if (body.action === 'fail') failures.push({ itemIdentifier: record.messageId });
  }
  return { batchItemFailures: failures };
};
`;

export interface MiniConsumer {
  /** Logical-id prefix and detail type routed to it. */
  readonly name: string;
  readonly batchSize?: number;
  readonly windowSeconds?: number;
  readonly maxConcurrency?: number;
  readonly timeoutSeconds?: number;
  readonly visibilitySeconds?: number;
  readonly maxReceiveCount?: number;
  /** The function's `Runtime`. @default nodejs20.x */
  readonly runtime?: string;
}

/** Bus names are unique per emulator: stacks of one test file each pass their own. */
export function miniTemplate(consumers: readonly MiniConsumer[], busName = 'local-mini-bus'): CfnTemplate {
  const resources: NonNullable<CfnTemplate['Resources']> = {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: busName } },
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    },
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
  };
  const outputs: NonNullable<CfnTemplate['Outputs']> = {
    BusName: { Value: { Ref: 'Bus' } },
    TableName: { Value: { Ref: 'Table' } },
  };
  for (const c of consumers) {
    const n = c.name;
    resources[`${n}Dlq`] = { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } };
    resources[`${n}Queue`] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: c.visibilitySeconds ?? 2,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [`${n}Dlq`, 'Arn'] },
          maxReceiveCount: c.maxReceiveCount ?? 2,
        },
      },
    };
    resources[`${n}Rule`] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['local.mini'], 'detail-type': [n] },
        Targets: [{ Arn: { 'Fn::GetAtt': [`${n}Queue`, 'Arn'] }, Id: 'Queue' }],
      },
    };
    resources[`${n}Function`] = {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['Role'],
      Properties: {
        Code: {
          S3Bucket: MINI_BUCKET,
          S3Key: `${MINI_ASSET}.zip`,
        },
        Handler: 'index.handler',
        Runtime: c.runtime ?? 'nodejs20.x',
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Timeout: c.timeoutSeconds ?? 1,
        MemorySize: 128,
        Environment: {
          Variables: { POWERTOOLS_SERVICE_NAME: n, TABLE: { Ref: 'Table' }, BUS: { Ref: 'Bus' } },
        },
      },
    };
    resources[`${n}Mapping`] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: `${n}Function` },
        EventSourceArn: { 'Fn::GetAtt': [`${n}Queue`, 'Arn'] },
        BatchSize: c.batchSize ?? 10,
        MaximumBatchingWindowInSeconds: c.windowSeconds ?? 0,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ...(c.maxConcurrency ? { ScalingConfig: { MaximumConcurrency: c.maxConcurrency } } : {}),
      },
    };
    outputs[`${n}QueueUrl`] = { Value: { Ref: `${n}Queue` } };
    outputs[`${n}DlqUrl`] = { Value: { Ref: `${n}Dlq` } };
  }
  return { Resources: resources, Outputs: outputs };
}

/** Writes the assembly (manifest, template, asset manifest, bundle) to a fresh directory. */
export function writeMiniAssembly(consumers: readonly MiniConsumer[], handler = MINI_HANDLER): string {
  return writeAssembly(miniTemplate(consumers), handler);
}

/** Writes a one-stack assembly whose functions' code (S3 key MINI_ASSET.zip) is `handler` as index.js. */
export function writeAssembly(template: CfnTemplate, handler: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-mini-'));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        [`${MINI_STACK}.assets`]: {
          type: 'cdk:asset-manifest',
          properties: { file: `${MINI_STACK}.assets.json` },
        },
        [MINI_STACK]: {
          type: 'aws:cloudformation:stack',
          dependencies: [`${MINI_STACK}.assets`],
          properties: { templateFile: `${MINI_STACK}.template.json` },
        },
      },
    }),
  );
  writeFileSync(join(dir, `${MINI_STACK}.template.json`), JSON.stringify(template));
  writeFileSync(
    join(dir, `${MINI_STACK}.assets.json`),
    JSON.stringify({
      files: {
        [MINI_ASSET]: {
          source: { path: `asset.${MINI_ASSET}`, packaging: 'zip' },
          destinations: { current: { bucketName: MINI_BUCKET, objectKey: `${MINI_ASSET}.zip` } },
        },
      },
    }),
  );
  mkdirSync(join(dir, `asset.${MINI_ASSET}`));
  writeFileSync(join(dir, `asset.${MINI_ASSET}`, 'index.js'), handler);
  return dir;
}
