import { beforeAll, describe, expect, it } from '@jest/globals';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  DETAIL_TYPES,
  ORDER_PLACED,
  ORDER_VALIDATED,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  SOURCE,
  STOCK_RESERVED,
} from '../../../lambda/contracts';
import { loadStageConfig } from '../../../lib/config';
import { DataStack } from '../../../lib/stacks/data-stack';
import { type ConsumerName, PipelineStack } from '../../../lib/stacks/pipeline-stack';
import {
  normaliseTemplate,
  type PolicyStatement,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  statementsOf,
  synthStage,
  testApp,
} from '../support/app';

type Table = 'orders' | 'inventory' | 'analytics';

/** docs/design.md, restated independently of lib/: what each function consumes, uses and sets. */
const DESIGN: Record<
  ConsumerName,
  { id: string; consumes: readonly string[]; tables: Table[]; publishes: boolean; ownEnv: string[] }
> = {
  'validate-order': {
    id: 'ValidateOrder',
    consumes: [ORDER_PLACED],
    tables: ['orders'],
    publishes: true,
    ownEnv: ['CURRENCIES', 'MAX_ORDER_AMOUNT'],
  },
  'reserve-stock': {
    id: 'ReserveStock',
    consumes: [ORDER_VALIDATED],
    tables: ['orders', 'inventory'],
    publishes: true,
    ownEnv: [],
  },
  'take-payment': {
    id: 'TakePayment',
    consumes: [STOCK_RESERVED],
    tables: ['orders'],
    publishes: true,
    ownEnv: ['PAYMENT_DECLINE_RULES'],
  },
  'release-stock': {
    id: 'ReleaseStock',
    consumes: [PAYMENT_FAILED],
    tables: ['orders', 'inventory'],
    publishes: true,
    ownEnv: [],
  },
  'fulfil-order': {
    id: 'FulfilOrder',
    consumes: [PAYMENT_SUCCEEDED],
    tables: ['orders'],
    publishes: true,
    ownEnv: [],
  },
  analytics: {
    id: 'Analytics',
    consumes: DETAIL_TYPES,
    tables: ['analytics'],
    publishes: false,
    ownEnv: ['ANALYTICS_SHARDS', 'SEEN_MARKER_TTL_DAYS'],
  },
};
const CONSUMERS = Object.keys(DESIGN) as ConsumerName[];
const TABLE_ENV: Record<Table, string> = {
  orders: 'ORDERS_TABLE',
  inventory: 'INVENTORY_TABLE',
  analytics: 'ANALYTICS_TABLE',
};
const ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/** A stage (synthesized once: synthStage) with lookups into its pipeline template. */
function setup(stage: 'dev' | 'prod') {
  const synthesized = synthStage(stage);
  const { data, pipeline, pipelineTemplate: template } = synthesized;
  const id = (c: IConstruct) => pipeline.getLogicalId(c.node.defaultChild as CfnElement);
  const dataId = (c: IConstruct) => data.getLogicalId(c.node.defaultChild as CfnElement);
  const tableIds: Record<Table, string> = {
    orders: dataId(data.ordersTable),
    inventory: dataId(data.inventoryTable),
    analytics: dataId(data.analyticsTable),
  };
  const resources = resourcesOf(template);
  const fnProps = (name: ConsumerName) => resources[id(pipeline.consumers[name].fn)]?.Properties ?? {};
  const env = (name: ConsumerName) =>
    ((fnProps(name).Environment as { Variables: Record<string, unknown> }) ?? { Variables: {} }).Variables;
  const statements = (name: ConsumerName): PolicyStatement[] => {
    const roleId = id(pipeline.consumers[name].role);
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    expect(policies).toHaveLength(1);
    return statementsOf(policies[0]);
  };
  return { ...synthesized, template, resources, id, tableIds, fnProps, env, statements };
}

describe.each(['dev', 'prod'] as const)('PipelineStack (%s)', (stage) => {
  let s: ReturnType<typeof setup>;
  beforeAll(() => {
    s = setup(stage);
  }, SYNTH_TIMEOUT_MS);

  it('has one custom bus whose archive keeps every pipeline event for the stage’s retention', () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    s.template.resourceCountIs('AWS::Events::Archive', 1);
    s.template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [s.id(s.pipeline.eventBus), 'Arn'] },
      EventPattern: { source: [SOURCE] },
      RetentionDays: s.config.archiveRetentionDays,
    });
    expect(s.config.archiveRetentionDays).toBe(stage === 'prod' ? 365 : 7);
  });

  it('has one consumer per function of docs/design.md and no other rule, function or queue', () => {
    expect(Object.keys(s.pipeline.consumers).sort()).toEqual([...CONSUMERS].sort());
    s.template.resourceCountIs('AWS::Events::Rule', CONSUMERS.length);
    s.template.resourceCountIs('AWS::Lambda::Function', CONSUMERS.length);
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', CONSUMERS.length);
    s.template.resourceCountIs('AWS::SQS::Queue', 3 * CONSUMERS.length);
  });

  it.each(CONSUMERS)('routes exactly the designed detail types of SOURCE to %s, from the bus', (name) => {
    const rule = s.resources[s.id(s.pipeline.consumers[name].rule)]?.Properties;
    expect(rule?.EventBusName).toEqual({ Ref: s.id(s.pipeline.eventBus) });
    expect(rule?.EventPattern).toEqual({ source: [SOURCE], 'detail-type': [...DESIGN[name].consumes] });
  });

  it('routes every detail type of the contracts to analytics', () => {
    const pattern = s.resources[s.id(s.pipeline.consumers.analytics.rule)]?.Properties?.EventPattern as {
      'detail-type': string[];
    };
    expect([...pattern['detail-type']].sort()).toEqual([...DETAIL_TYPES].sort());
  });

  it.each(CONSUMERS)(
    'gives the %s rule target a retry policy and the consumer’s own target DLQ (scenario 14)',
    (name) => {
      const consumer = s.pipeline.consumers[name];
      expect(s.resources[s.id(consumer.rule)]?.Properties?.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { 'Fn::GetAtt': [s.id(consumer.queue), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [s.id(consumer.targetDeadLetterQueue), 'Arn'] } },
        },
      ]);
    },
  );

  it('encrypts every queue and denies non-TLS access to each', () => {
    s.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const denied = Object.values(s.resources)
      .filter((r) => r.Type === 'AWS::SQS::QueuePolicy')
      .filter((r) =>
        statementsOf(r).some(
          (st) =>
            st.Effect === 'Deny' &&
            st.Action === 'sqs:*' &&
            JSON.stringify(st.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        ),
      )
      .map((r) => JSON.stringify(r.Properties?.Queues));
    const queues = Object.entries(s.resources)
      .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
      .map(([queueId]) => JSON.stringify([{ Ref: queueId }]));
    expect(denied.sort()).toEqual(queues.sort());
  });

  it.each(CONSUMERS)(
    'dead-letters %s messages after 5 receives into a DLQ that keeps them 14 days',
    (name) => {
      const consumer = s.pipeline.consumers[name];
      expect(s.resources[s.id(consumer.queue)]?.Properties).toMatchObject({
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [s.id(consumer.deadLetterQueue), 'Arn'] },
          maxReceiveCount: 5,
        },
        MessageRetentionPeriod: 345_600,
        // 6 x the function timeout + the 1 s batching window.
        VisibilityTimeout: 6 * s.config.functionTimeoutSeconds + 1,
      });
      expect(s.resources[s.id(consumer.deadLetterQueue)]?.Properties?.MessageRetentionPeriod).toBe(1_209_600);
      expect(s.resources[s.id(consumer.targetDeadLetterQueue)]?.Properties?.MessageRetentionPeriod).toBe(
        1_209_600,
      );
    },
  );

  it('drains every queue with partial batch responses, batches of 10, a 1 s window and concurrency 10', () => {
    s.template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('runs every function on nodejs24.x, arm64, 256 MB, the stage’s timeout, traced, with JSON logs at the stage’s level', () => {
    s.template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: s.config.functionTimeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: s.config.logLevel },
    });
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: s.config.logRetentionDays });
  });

  it.each(CONSUMERS)('sets exactly the designed environment of %s', (name) => {
    const design = DESIGN[name];
    const expected = [
      'STAGE',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_LOG_LEVEL',
      'NODE_OPTIONS',
      ...(stage === 'prod' ? [] : ['FAULT_RULES']),
      ...(design.publishes ? ['EVENT_BUS_NAME'] : []),
      ...design.tables.map((t) => TABLE_ENV[t]),
      ...design.ownEnv,
    ];
    const env = s.env(name);
    expect(Object.keys(env).sort()).toEqual(expected.sort());
    expect(env).toMatchObject({
      STAGE: stage,
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: 'OrderPipeline',
      POWERTOOLS_LOG_LEVEL: s.config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    });
    if (design.publishes) {
      expect(env.EVENT_BUS_NAME).toEqual({ Ref: s.id(s.pipeline.eventBus) });
    }
    for (const table of design.tables) {
      expect(JSON.stringify(env[TABLE_ENV[table]])).toContain(`ExportsOutputRef${s.tableIds[table]}`);
    }
  });

  it('passes the stage’s validation, payment and analytics settings as strings the handlers parse', () => {
    expect(s.env('validate-order')).toMatchObject({
      CURRENCIES: JSON.stringify(s.config.currencies),
      MAX_ORDER_AMOUNT: String(s.config.maxOrderAmount),
    });
    expect(JSON.parse(String(s.env('take-payment').PAYMENT_DECLINE_RULES))).toEqual(
      s.config.paymentDeclineRules,
    );
    // archive retention + 1 day of EventBridge retries + 14 days in a DLQ
    expect(s.env('analytics')).toMatchObject({
      ANALYTICS_SHARDS: '8',
      SEEN_MARKER_TTL_DAYS: String(s.config.archiveRetentionDays + 1 + 14),
    });
  });

  it.each(CONSUMERS)(
    'grants %s item access to exactly the tables it uses, and PutEvents only if it publishes',
    (name) => {
      const design = DESIGN[name];
      const statements = s.statements(name);
      const tableStatements = statements.filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
      for (const st of tableStatements) {
        expect(st.Action).toEqual(ITEM_ACTIONS);
      }
      const tableResources = tableStatements.flatMap((st) => ([] as unknown[]).concat(st.Resource));
      const expectedResources = design.tables.map((table) => ({
        'Fn::ImportValue': expect.stringContaining(`ExportsOutputFnGetAtt${s.tableIds[table]}Arn`),
      }));
      expect(tableResources).toHaveLength(design.tables.length);
      expect(tableResources).toEqual(expect.arrayContaining(expectedResources));
      const putEvents = statements.filter((st) => JSON.stringify(st.Action).includes('events:'));
      expect(putEvents).toEqual(
        design.publishes
          ? [
              {
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: { 'Fn::GetAtt': [s.id(s.pipeline.eventBus), 'Arn'] },
              },
            ]
          : [],
      );
    },
  );

  it('never grants a wildcard action, and a wildcard resource only to the X-Ray actions that require it', () => {
    for (const policy of Object.values(s.resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
      for (const st of statementsOf(policy)) {
        const actions = ([] as string[]).concat(st.Action);
        expect(actions.filter((a) => a === '*' || a.endsWith(':*') || a.includes('*'))).toEqual([]);
        if (st.Resource === '*') {
          expect(actions).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        }
      }
    }
  });

  it('outputs the bus, the archive, every function, queue and DLQ, and the alarm topic and dashboard under predictable names', () => {
    const outputs = Object.keys(s.template.toJSON().Outputs ?? {}).sort();
    const perConsumer = CONSUMERS.flatMap((name) =>
      ['FunctionName', 'QueueUrl', 'DlqUrl', 'TargetDlqUrl'].map((suffix) => `${DESIGN[name].id}${suffix}`),
    );
    expect(outputs).toEqual(
      [
        'AlarmTopicArn',
        'DashboardName',
        'EventArchiveName',
        'EventBusArn',
        'EventBusName',
        ...perConsumer,
      ].sort(),
    );
    const consumer = s.pipeline.consumers['take-payment'];
    expect(s.template.toJSON().Outputs).toMatchObject({
      TakePaymentQueueUrl: { Value: { Ref: s.id(consumer.queue) } },
      TakePaymentDlqUrl: { Value: { Ref: s.id(consumer.deadLetterQueue) } },
      TakePaymentTargetDlqUrl: { Value: { Ref: s.id(consumer.targetDeadLetterQueue) } },
      EventBusName: { Value: { Ref: s.id(s.pipeline.eventBus) } },
    });
  });

  it(`${stage === 'prod' ? 'retains' : 'deletes'} queues and log groups with the stack`, () => {
    const policy = stage === 'prod' ? 'Retain' : 'Delete';
    for (const r of Object.values(s.resources).filter((x) =>
      ['AWS::SQS::Queue', 'AWS::Logs::LogGroup'].includes(x.Type),
    )) {
      expect(r).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
    }
  });
});

describe('PipelineStack fault injection', () => {
  it('passes the dev fault rules to every function', () => {
    const s = setup('dev');
    for (const name of CONSUMERS) {
      expect(JSON.parse(String(s.env(name).FAULT_RULES))).toEqual(s.config.faultRules);
    }
    expect(s.config.faultRules.length).toBeGreaterThan(0);
  });

  it('fails when a production config carries fault rules, even one that bypassed config validation', () => {
    // GIVEN a prod config with a fault rule smuggled in after validation
    const prod = loadStageConfig('prod');
    const unsafe = {
      ...prod,
      faultRules: [
        { orderIdPrefix: 'fault-x-', point: 'before-write' as const, action: 'crash' as const, receives: 1 },
      ],
    };
    const app = testApp();
    const data = new DataStack(app, 'Data', { config: unsafe });
    // WHEN the pipeline stack is created THEN it refuses
    expect(
      () =>
        new PipelineStack(app, 'Pipeline', {
          config: unsafe,
          ordersTable: data.ordersTable,
          inventoryTable: data.inventoryTable,
          analyticsTable: data.analyticsTable,
        }),
    ).toThrow(/stage "prod" is production but has faultRules; remove them from lib\/config.ts/);
  });
});

describe('PipelineStack IAM (take-payment, dev)', () => {
  it('has exactly these statements: own logs, X-Ray, own queue, orders items, PutEvents on the bus', () => {
    const s = setup('dev');
    const consumer = s.pipeline.consumers['take-payment'];
    expect(s.statements('take-payment')).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [s.id(consumer.logGroup), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: { 'Fn::GetAtt': [s.id(consumer.queue), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ITEM_ACTIONS,
        Resource: {
          'Fn::ImportValue': expect.stringMatching(
            new RegExp(`^OrderPipeline-dev-Data:ExportsOutputFnGetAtt${s.tableIds.orders}Arn[0-9A-F]{8}$`),
          ),
        },
      },
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [s.id(s.pipeline.eventBus), 'Arn'] },
      },
    ]);
    expect(s.resources[s.id(consumer.role)]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('PipelineStack template (prod, as deployed)', () => {
  it('matches its snapshot', () => {
    expect(normaliseTemplate(setup('prod').template.toJSON())).toMatchSnapshot();
  });

  it('carries no asset hash or other run-dependent value once normalised', () => {
    const text = JSON.stringify(normaliseTemplate(setup('prod').template.toJSON()));
    expect(text).toContain('"S3Key":"[ASSET_HASH].zip"');
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(text).not.toContain(process.cwd());
  });
});
