import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, type CfnElement, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ORDER_PLACED } from '../../../lambda/contracts';
import { EventConsumer, type EventConsumerProps } from '../../../lib/constructs/event-consumer';
import {
  cdkJsonContext,
  LOCK_FILE,
  normaliseTemplate,
  type PolicyStatement,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  statementsOf,
  testApp,
} from '../support/app';

const FIXTURE = path.join(__dirname, 'fixtures', 'handler.ts');
const CLIENT = 'shop.client';
const VALIDATOR = 'shop.validator';
const SDK_FIXTURE = path.join(__dirname, 'fixtures', 'uses-sdk.ts');
/** The module that creates the functions' Powertools utilities, the tracer among them where bundled. */
const OBSERVABILITY = path.join(__dirname, '..', '..', '..', 'lambda', 'adapters', 'observability.ts');
/** Read by the X-Ray SDK only: in a bundle, the SDK is. */
const XRAY_SDK_MARK = 'AWS_XRAY_DAEMON_ADDRESS';

function build(props: Partial<EventConsumerProps> = {}, app: App = testApp()) {
  const stack = new Stack(app, 'Test');
  const bus = new EventBus(stack, 'Bus');
  const consumer = new EventConsumer(stack, 'Consumer', {
    eventBus: bus,
    events: [{ source: CLIENT, detailType: ORDER_PLACED }],
    entry: FIXTURE,
    depsLockFilePath: LOCK_FILE,
    ...props,
  });
  const id = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
  return { app, stack, bus, consumer, id };
}

/** The statements of the queue policy attached to the queue with logical id `queueId`. */
function queuePolicyStatements(template: Template, queueId: string): PolicyStatement[] {
  const policies = Object.values(resourcesOf(template)).filter(
    (r) =>
      r.Type === 'AWS::SQS::QueuePolicy' &&
      JSON.stringify(r.Properties?.Queues) === JSON.stringify([{ Ref: queueId }]),
  );
  expect(policies).toHaveLength(1);
  return statementsOf(policies[0]);
}

const DENY_INSECURE_TRANSPORT = (queueId: string) => ({
  Action: 'sqs:*',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
});

describe('EventConsumer with default settings', () => {
  let template: Template;
  let ids: Record<'queue' | 'dlq' | 'targetDlq' | 'fn' | 'rule' | 'logGroup' | 'role' | 'bus', string>;

  beforeAll(() => {
    // GIVEN a consumer with only the required props
    const { stack, consumer, bus, id } = build();
    // WHEN it is synthesized
    template = Template.fromStack(stack);
    ids = {
      queue: id(consumer.queue),
      dlq: id(consumer.deadLetterQueue),
      targetDlq: id(consumer.targetDeadLetterQueue),
      fn: id(consumer.fn),
      rule: id(consumer.rule),
      logGroup: id(consumer.logGroup),
      role: id(consumer.role),
      bus: id(bus),
    };
  }, SYNTH_TIMEOUT_MS);

  it('matches its snapshot (bundling skipped, asset hashes normalised)', () => {
    expect(normaliseTemplate(template.toJSON())).toMatchSnapshot();
  });

  it('creates exactly one rule, function, event source mapping, log group and three queues', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::SQS::Queue', 3);
  });

  it('routes the given detail type from its source, and nothing else, from the bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ids.bus },
      EventPattern: { source: [CLIENT], 'detail-type': [ORDER_PLACED] },
    });
    const pattern = resourcesOf(template)[ids.rule]?.Properties?.EventPattern;
    expect(pattern).toEqual({ source: [CLIENT], 'detail-type': [ORDER_PLACED] });
  });

  it('gives the rule target an explicit retry policy and its own dead-letter queue (scenario 14)', () => {
    const targets = resourcesOf(template)[ids.rule]?.Properties?.Targets;
    expect(targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.targetDlq, 'Arn'] } },
      },
    ]);
    expect(ids.targetDlq).not.toEqual(ids.dlq);
  });

  it('lets only this rule send to the queue and, when delivery fails, to the target dead-letter queue', () => {
    const fromRule = { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.rule, 'Arn'] } } };
    expect(queuePolicyStatements(template, ids.queue)).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Condition: fromRule,
      }),
    );
    expect(queuePolicyStatements(template, ids.targetDlq)).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: fromRule,
        Resource: { 'Fn::GetAtt': [ids.targetDlq, 'Arn'] },
      }),
    );
  });

  it('encrypts every queue with SQS-managed keys', () => {
    for (const queue of [ids.queue, ids.dlq, ids.targetDlq]) {
      expect(resourcesOf(template)[queue]?.Properties?.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('denies every non-TLS request on every queue (enforceSSL)', () => {
    for (const queue of [ids.queue, ids.dlq, ids.targetDlq]) {
      expect(queuePolicyStatements(template, queue)).toContainEqual(DENY_INSECURE_TRANSPORT(queue));
    }
  });

  it('moves a message to the DLQ after 5 receives and keeps it there 14 days, longer than the source keeps it', () => {
    const resources = resourcesOf(template);
    expect(resources[ids.queue]?.Properties).toMatchObject({
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] }, maxReceiveCount: 5 },
      MessageRetentionPeriod: 345_600,
    });
    expect(resources[ids.dlq]?.Properties?.MessageRetentionPeriod).toBe(1_209_600);
    expect(resources[ids.targetDlq]?.Properties?.MessageRetentionPeriod).toBe(1_209_600);
  });

  it('sets the visibility timeout to 6 x the function timeout plus the batching window', () => {
    expect(resourcesOf(template)[ids.queue]?.Properties?.VisibilityTimeout).toBe(6 * 30 + 1);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30 });
  });

  it('drains the queue with partial batch responses, bounded batches and bounded concurrency', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.values(mappings).map((m) => m.Properties)).toEqual([
      {
        EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
        FunctionName: { Ref: ids.fn },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        ScalingConfig: { MaximumConcurrency: 10 },
      },
    ]);
  });

  it('runs the latest Node.js runtime cdk-nag knows, on arm64, traced, with JSON logs to its own log group', () => {
    const latestNode = Runtime.ALL.filter((r) => /^nodejs\d/.test(r.name))
      .map((r) => r.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .pop();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: latestNode,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: ids.logGroup } },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    expect(latestNode).toBe('nodejs24.x');
  });

  it('keeps the log group for a month by default', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('retains the queues and the log group by default, as they may hold the only trace of a failed order', () => {
    for (const id of [ids.queue, ids.dlq, ids.targetDlq, ids.logGroup]) {
      expect(resourcesOf(template)[id]).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('gives the function a role without managed policies that writes only to its own log group', () => {
    const role = resourcesOf(template)[ids.role]?.Properties;
    expect(role?.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: ids.role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [ids.logGroup, 'Arn'] },
          },
        ]),
      },
    });
  });

  it('creates no alarms: PipelineMonitoring owns every alarm on its queues and function', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});

describe('EventConsumer with overrides', () => {
  it('applies user settings over the defaults and derives the visibility timeout from them', () => {
    // GIVEN overrides of every tunable number
    const { stack, consumer, id } = build({
      timeout: Duration.seconds(10),
      memorySize: 512,
      batchSize: 5,
      maxBatchingWindow: Duration.seconds(2),
      maxConcurrency: 4,
      maxReceiveCount: 8,
      retentionPeriod: Duration.days(2),
      deadLetterRetentionPeriod: Duration.days(7),
      targetRetryAttempts: 10,
      targetMaxEventAge: Duration.hours(2),
      removalPolicy: RemovalPolicy.DESTROY,
      environment: { STAGE: 'test', NODE_OPTIONS: '--max-old-space-size=200' },
    });
    // WHEN synthesized
    const template = Template.fromStack(stack);
    const resources = resourcesOf(template);
    // THEN they are used, and the invariants still hold
    expect(resources[id(consumer.queue)]?.Properties).toMatchObject({
      VisibilityTimeout: 6 * 10 + 2,
      MessageRetentionPeriod: 172_800,
      RedrivePolicy: { maxReceiveCount: 8 },
    });
    expect(resources[id(consumer.deadLetterQueue)]?.Properties?.MessageRetentionPeriod).toBe(604_800);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      MemorySize: 512,
      Environment: {
        Variables: { STAGE: 'test', NODE_OPTIONS: '--max-old-space-size=200 --enable-source-maps' },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 7200 } }),
      ],
    });
    expect(resources[id(consumer.queue)]?.DeletionPolicy).toBe('Delete');
  });

  it('accepts a visibility timeout above the minimum', () => {
    const { stack, consumer, id } = build({ visibilityTimeout: Duration.minutes(10) });
    expect(resourcesOf(Template.fromStack(stack))[id(consumer.queue)]?.Properties?.VisibilityTimeout).toBe(
      600,
    );
  });

  it('routes several detail types of one source with one plain pattern', () => {
    const { stack } = build({
      events: [
        { source: VALIDATOR, detailType: 'OrderValidated' },
        { source: VALIDATOR, detailType: 'OrderRejected' },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [VALIDATOR], 'detail-type': ['OrderValidated', 'OrderRejected'] },
    });
  });

  it('routes detail types of several sources as exact (source, detail type) pairs, never their cross product', () => {
    const { stack } = build({
      events: [
        { source: CLIENT, detailType: ORDER_PLACED },
        { source: VALIDATOR, detailType: 'OrderValidated' },
        { source: VALIDATOR, detailType: 'OrderRejected' },
      ],
    });
    const [rule] = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
    expect(rule?.Properties?.EventPattern).toEqual({
      $or: [
        { source: [CLIENT], 'detail-type': [ORDER_PLACED] },
        { source: [VALIDATOR], 'detail-type': ['OrderValidated', 'OrderRejected'] },
      ],
    });
  });
});

describe('EventConsumer invariants (scenario 19: unsafe configuration fails synth)', () => {
  it.each<[string, Partial<EventConsumerProps>, RegExp]>([
    [
      'fails when the visibility timeout is below 6 x timeout + batching window',
      { visibilityTimeout: Duration.seconds(180) },
      /visibilityTimeout \(180 s\) must be at least 6 x timeout \+ maxBatchingWindow \(181 s\)/,
    ],
    [
      'fails when a longer function timeout outgrows the visibility timeout',
      { timeout: Duration.seconds(60), visibilityTimeout: Duration.seconds(181) },
      /must be at least 6 x timeout \+ maxBatchingWindow \(361 s\)/,
    ],
    [
      'fails when the visibility timeout exceeds the SQS maximum',
      { visibilityTimeout: Duration.hours(13) },
      /exceeds the SQS maximum of 12 hours/,
    ],
    [
      'fails when maxReceiveCount is below 5',
      { maxReceiveCount: 4 },
      /maxReceiveCount must be at least 5, got 4/,
    ],
    [
      'fails when maxReceiveCount is not whole',
      { maxReceiveCount: 5.5 },
      /maxReceiveCount must be at least 5/,
    ],
    [
      'fails when maxReceiveCount exceeds 1000',
      { maxReceiveCount: 1001 },
      /maxReceiveCount must be .* 5 to 1000/,
    ],
    [
      'fails when the DLQ keeps messages no longer than the source queue',
      { retentionPeriod: Duration.days(14), deadLetterRetentionPeriod: Duration.days(14) },
      /deadLetterRetentionPeriod \(1209600 s\) must be longer than retentionPeriod \(1209600 s\)/,
    ],
    [
      'fails when the DLQ keeps messages shorter than the source queue',
      { deadLetterRetentionPeriod: Duration.days(2) },
      /must be longer than retentionPeriod/,
    ],
    [
      'fails when a retention exceeds 14 days',
      { deadLetterRetentionPeriod: Duration.days(15) },
      /deadLetterRetentionPeriod must be .* 60 to 1209600 s/,
    ],
    [
      'fails when a retention is below a minute',
      { retentionPeriod: Duration.seconds(30) },
      /retentionPeriod must be/,
    ],
    [
      'fails when batchSize is 0',
      { batchSize: 0 },
      /batchSize must be a whole number from 1 to 10000, got 0/,
    ],
    ['fails when batchSize exceeds 10000', { batchSize: 10_001 }, /batchSize must be .* 1 to 10000/],
    ['fails when batchSize is not whole', { batchSize: 2.5 }, /batchSize must be a whole number/],
    [
      'fails when batchSize exceeds 10 without a batching window',
      { batchSize: 11, maxBatchingWindow: Duration.seconds(0) },
      /batchSize 11 needs a maxBatchingWindow of at least 1 s/,
    ],
    [
      'fails when the batching window exceeds 300 s',
      { maxBatchingWindow: Duration.seconds(301) },
      /maxBatchingWindow must be .* 0 to 300 s/,
    ],
    [
      'fails when maxConcurrency is below 2',
      { maxConcurrency: 1 },
      /maxConcurrency must be .* 2 to 1000, got 1/,
    ],
    ['fails when maxConcurrency exceeds 1000', { maxConcurrency: 1001 }, /maxConcurrency must be/],
    [
      'fails when the function timeout exceeds 900 s',
      { timeout: Duration.seconds(901) },
      /timeout must be .* 1 to 900/,
    ],
    ['fails when memory is below 128 MB', { memorySize: 64 }, /memorySize must be .* 128 to 10240 MB/],
    [
      'fails when the target retries more than EventBridge allows',
      { targetRetryAttempts: 186 },
      /targetRetryAttempts must be .* 0 to 185/,
    ],
    [
      'fails when the target retry count is negative',
      { targetRetryAttempts: -1 },
      /targetRetryAttempts must be/,
    ],
    [
      'fails when the target event age exceeds 24 hours',
      { targetMaxEventAge: Duration.hours(25) },
      /targetMaxEventAge must be .* 60 to 86400 s/,
    ],
    [
      'fails when the target event age is below a minute',
      { targetMaxEventAge: Duration.seconds(30) },
      /targetMaxEventAge must be/,
    ],
    ['fails when no event is given', { events: [] }, /events is empty/],
    [
      'fails when a detail type is empty',
      { events: [{ source: CLIENT, detailType: '' }] },
      /events has an empty source or detail type/,
    ],
    [
      'fails when a source is empty',
      { events: [{ source: ' ', detailType: ORDER_PLACED }] },
      /events has an empty source or detail type/,
    ],
    [
      'fails when a detail type is listed twice',
      {
        events: [
          { source: CLIENT, detailType: ORDER_PLACED },
          { source: VALIDATOR, detailType: ORDER_PLACED },
        ],
      },
      /events lists a detail type twice.*one producer/,
    ],
  ])('%s', (_name, props, message) => {
    // GIVEN an unsafe setting WHEN the construct is created THEN it refuses, naming itself and the fix
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(/^EventConsumer Test\/Consumer: /);
  });
});

describe('EventConsumer with settings known only at deploy', () => {
  const deployTime = (value: number) => Lazy.number({ produce: () => value });

  it('GIVEN numbers that are tokens WHEN created THEN synth leaves their checks to the deployment, as aws-cdk event sources do', () => {
    // GIVEN batch size, concurrency, receives and timeout resolved only when the template is written
    const { stack } = build({
      batchSize: deployTime(5),
      maxConcurrency: deployTime(4),
      maxReceiveCount: deployTime(6),
      timeout: Duration.seconds(deployTime(10)),
      visibilityTimeout: Duration.seconds(120),
    });
    // THEN the template carries them as given
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 10 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 6 }),
    });
  });

  it('fails when the timeout is a token and no visibility timeout says how long a batch may take', () => {
    expect(() => build({ timeout: Duration.seconds(deployTime(10)) })).toThrow(
      /^EventConsumer Test\/Consumer: timeout or maxBatchingWindow is a token.*pass visibilityTimeout/,
    );
  });

  it('fails on a number known at synth even beside tokens', () => {
    expect(() => build({ batchSize: deployTime(5), maxConcurrency: 1 })).toThrow(
      /maxConcurrency must be .* 2 to 1000, got 1/,
    );
  });
});

describe('EventConsumer bundling', () => {
  /** Synthesizes with bundling on (local esbuild) and returns the function's asset directory. */
  function bundle(props: Partial<EventConsumerProps>): string {
    const app = new App({ context: cdkJsonContext(), builtinCloudFormationValidation: false });
    build(props, app);
    const outdir = app.synth().directory;
    const assets = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    return path.join(outdir, assets[0] ?? '');
  }

  it('bundles locally with esbuild into minified code with a source map that embeds no sources', () => {
    const dir = bundle({ entry: FIXTURE });
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const code = readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code).toContain('//# sourceMappingURL=index.js.map');
    expect(code.split('\n').length).toBeLessThanOrEqual(3);
    const map = JSON.parse(readFileSync(path.join(dir, 'index.js.map'), 'utf8')) as {
      sourcesContent?: unknown;
    };
    expect(map.sourcesContent).toBeUndefined();
  });

  it('bundles the AWS SDK by default', () => {
    const code = readFileSync(path.join(bundle({ entry: SDK_FIXTURE }), 'index.js'), 'utf8');
    expect(code).not.toContain('require("@aws-sdk/client-sqs")');
  });

  it('leaves the Powertools Tracer and the X-Ray SDK out of the bundle by default', () => {
    const code = readFileSync(path.join(bundle({ entry: OBSERVABILITY }), 'index.js'), 'utf8');
    expect(code).not.toContain(XRAY_SDK_MARK);
    expect(code).not.toContain('require("@aws-lambda-powertools/tracer")');
  });

  it('bundles the Powertools Tracer with the X-Ray SDK when powertoolsTracer is true', () => {
    const code = readFileSync(
      path.join(bundle({ entry: OBSERVABILITY, powertoolsTracer: true }), 'index.js'),
      'utf8',
    );
    expect(code).toContain(XRAY_SDK_MARK);
  });

  it('leaves the AWS SDK to the runtime when bundleAwsSdk is false', () => {
    const code = readFileSync(
      path.join(bundle({ entry: SDK_FIXTURE, bundleAwsSdk: false }), 'index.js'),
      'utf8',
    );
    expect(code).toContain('require("@aws-sdk/client-sqs")');
  });
});
