import { beforeAll, describe, expect, it } from '@jest/globals';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import {
  ORDER_CANCELLED,
  ORDER_FULFILLED,
  ORDER_PLACED,
  ORDER_REJECTED,
  ORDER_VALIDATED,
  OUT_OF_STOCK,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  STOCK_RESERVED,
} from '../../../lambda/contracts';
import { FUNCTION_ENVIRONMENTS } from '../../../lambda/shared/environments';
import { loadStageConfig } from '../../../lib/config';
import { DataStack } from '../../../lib/stacks/data-stack';
import { type ConsumerName, PipelineStack } from '../../../lib/stacks/pipeline-stack';
import {
  bareStacks,
  normaliseTemplate,
  type PolicyStatement,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  statementsOf,
  synthStage,
  testApp,
} from '../support/app';

type Table = 'orders' | 'inventory' | 'analytics';

/** docs/security.md, restated independently of lib/: each fact and the only source that may state it. */
const SOURCE_OF: Record<string, string> = {
  [ORDER_PLACED]: 'orders.client',
  [ORDER_VALIDATED]: 'orders.validate-order',
  [ORDER_REJECTED]: 'orders.validate-order',
  [STOCK_RESERVED]: 'orders.reserve-stock',
  [OUT_OF_STOCK]: 'orders.reserve-stock',
  [PAYMENT_SUCCEEDED]: 'orders.take-payment',
  [PAYMENT_FAILED]: 'orders.take-payment',
  [ORDER_CANCELLED]: 'orders.release-stock',
  [ORDER_FULFILLED]: 'orders.fulfil-order',
};
const INTERNAL_SOURCES = [...new Set(Object.values(SOURCE_OF))].filter((s) => s !== 'orders.client');

const GET = 'dynamodb:GetItem';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';

/** docs/design.md, restated independently of lib/: what each function consumes, calls, sets and states. */
const DESIGN: Record<
  ConsumerName,
  {
    id: string;
    consumes: readonly string[];
    tables: Partial<Record<Table, string[]>>;
    publishes: readonly string[];
    ownEnv: string[];
  }
> = {
  'validate-order': {
    id: 'ValidateOrder',
    consumes: [ORDER_PLACED],
    tables: { orders: [GET, PUT] },
    publishes: [ORDER_VALIDATED, ORDER_REJECTED],
    ownEnv: ['CURRENCIES', 'MAX_ORDER_AMOUNT'],
  },
  'reserve-stock': {
    id: 'ReserveStock',
    consumes: [ORDER_VALIDATED],
    tables: { orders: [GET, UPDATE], inventory: [GET, UPDATE] },
    publishes: [STOCK_RESERVED, OUT_OF_STOCK],
    ownEnv: [],
  },
  'take-payment': {
    id: 'TakePayment',
    consumes: [STOCK_RESERVED],
    tables: { orders: [GET, UPDATE] },
    publishes: [PAYMENT_SUCCEEDED, PAYMENT_FAILED],
    ownEnv: ['PAYMENT_DECLINE_RULES'],
  },
  'release-stock': {
    id: 'ReleaseStock',
    consumes: [PAYMENT_FAILED],
    tables: { orders: [GET, UPDATE], inventory: [UPDATE] },
    publishes: [ORDER_CANCELLED],
    ownEnv: [],
  },
  'fulfil-order': {
    id: 'FulfilOrder',
    consumes: [PAYMENT_SUCCEEDED],
    tables: { orders: [GET, UPDATE] },
    publishes: [ORDER_FULFILLED],
    ownEnv: [],
  },
  analytics: {
    id: 'Analytics',
    // docs/adr/0004: only the fact that ends each order.
    consumes: [ORDER_REJECTED, OUT_OF_STOCK, ORDER_CANCELLED, ORDER_FULFILLED],
    tables: { analytics: [PUT, UPDATE] },
    publishes: [],
    ownEnv: ['ANALYTICS_SHARDS', 'SEEN_MARKER_TTL_DAYS'],
  },
};
const CONSUMERS = Object.keys(DESIGN) as ConsumerName[];
const TABLE_ENV: Record<Table, string> = {
  orders: 'ORDERS_TABLE',
  inventory: 'INVENTORY_TABLE',
  analytics: 'ANALYTICS_TABLE',
};

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
      EventPattern: { source: ['orders.client', ...INTERNAL_SOURCES] },
      RetentionDays: s.config.archiveRetentionDays,
    });
    expect(s.config.archiveRetentionDays).toBe(stage === 'prod' ? 365 : 7);
  });

  it('has one consumer per function of docs/design.md and no other rule, function or queue', () => {
    expect(Object.keys(s.pipeline.consumers).sort()).toEqual([...CONSUMERS].sort());
    s.template.resourceCountIs('AWS::Events::Rule', CONSUMERS.length);
    // and the API's two functions
    s.template.resourceCountIs('AWS::Lambda::Function', CONSUMERS.length + 2);
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', CONSUMERS.length);
    s.template.resourceCountIs('AWS::SQS::Queue', 3 * CONSUMERS.length);
  });

  /** The (source, detail type) pairs an event pattern matches: its `$or` branches, or the pattern itself. */
  function pairsOf(pattern: unknown): string[] {
    const branches = (pattern as { $or?: unknown[] }).$or ?? [pattern];
    return branches.flatMap((branch) => {
      const { source, 'detail-type': detailTypes, ...rest } = branch as Record<string, string[]>;
      expect(rest).toEqual({});
      expect(source).toHaveLength(1);
      return (detailTypes ?? []).map((dt) => `${source?.[0]} ${dt}`);
    });
  }

  it.each(CONSUMERS)(
    'routes to %s exactly its designed detail types, each only from its producer’s source',
    (name) => {
      const rule = s.resources[s.id(s.pipeline.consumers[name].rule)]?.Properties;
      expect(rule?.EventBusName).toEqual({ Ref: s.id(s.pipeline.eventBus) });
      expect(pairsOf(rule?.EventPattern).sort()).toEqual(
        DESIGN[name].consumes.map((dt) => `${SOURCE_OF[dt]} ${dt}`).sort(),
      );
    },
  );

  it('routes to analytics the four final facts, each from its own source (no cross product), and none of the intermediate ones', () => {
    const pattern = s.resources[s.id(s.pipeline.consumers.analytics.rule)]?.Properties?.EventPattern;
    expect(pattern).toHaveProperty('$or');
    expect(pairsOf(pattern)).toHaveLength(4);
    for (const intermediate of [
      ORDER_PLACED,
      ORDER_VALIDATED,
      STOCK_RESERVED,
      PAYMENT_SUCCEEDED,
      PAYMENT_FAILED,
    ]) {
      expect(JSON.stringify(pattern)).not.toContain(`"${intermediate}"`);
    }
  });

  /** The event source mapping that drains `name`'s queue. */
  const mappingOf = (name: ConsumerName) =>
    Object.values(s.resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties?.EventSourceArn) ===
          JSON.stringify({ 'Fn::GetAtt': [s.id(s.pipeline.consumers[name].queue), 'Arn'] }),
    )?.Properties;

  it('lets the analytics queue gather up to 100 facts for 10 s: few transactions, day-total and product updates per order', () => {
    expect(mappingOf('analytics')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
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
        // 6 x the function timeout + the batching window (analytics' only).
        VisibilityTimeout: 6 * s.config.functionTimeoutSeconds + (name === 'analytics' ? 10 : 0),
      });
      expect(s.resources[s.id(consumer.deadLetterQueue)]?.Properties?.MessageRetentionPeriod).toBe(1_209_600);
      expect(s.resources[s.id(consumer.targetDeadLetterQueue)]?.Properties?.MessageRetentionPeriod).toBe(
        1_209_600,
      );
    },
  );

  it('drains every queue with partial batch responses and concurrency 10 (batch sizes and windows: pipeline-stack-batching.test.ts)', () => {
    s.template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('runs every function on nodejs24.x, arm64, 256 MB, the stage’s timeout (the API’s 10 s), traced, with JSON logs at the stage’s level', () => {
    const apiFunctions = [s.pipeline.api.placeOrder, s.pipeline.api.getOrder].map((fn) => s.id(fn));
    for (const [fnId, fn] of Object.entries(s.resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    )) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: apiFunctions.includes(fnId) ? 10 : s.config.functionTimeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: s.config.logLevel },
      });
    }
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: s.config.logRetentionDays });
  });

  it.each(CONSUMERS)('sets exactly the designed environment of %s', (name) => {
    const design = DESIGN[name];
    const expected = [
      'STAGE',
      'PRODUCTION',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_LOG_LEVEL',
      'NODE_OPTIONS',
      ...(stage === 'prod' ? [] : ['FAULT_RULES']),
      ...(design.publishes.length > 0 ? ['EVENT_BUS_NAME'] : []),
      ...(Object.keys(design.tables) as Table[]).map((t) => TABLE_ENV[t]),
      ...design.ownEnv,
    ];
    const env = s.env(name);
    expect(Object.keys(env).sort()).toEqual(expected.sort());
    expect(env).toMatchObject({
      STAGE: stage,
      PRODUCTION: String(stage === 'prod'),
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: 'OrderPipeline',
      POWERTOOLS_LOG_LEVEL: s.config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    });
    if (design.publishes.length > 0) {
      expect(env.EVENT_BUS_NAME).toEqual({ Ref: s.id(s.pipeline.eventBus) });
    }
    for (const table of Object.keys(design.tables) as Table[]) {
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
    'grants %s exactly the item actions it calls on the tables it uses, and nothing else on them',
    (name) => {
      const tableStatements = s
        .statements(name)
        .filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
      const granted = tableStatements.flatMap((st) =>
        ([] as unknown[]).concat(st.Resource).map((resource) => [JSON.stringify(resource), st.Action]),
      );
      const expected = Object.entries(DESIGN[name].tables).map(([table, actions]) => [
        JSON.stringify({
          'Fn::ImportValue': expect.stringContaining(`GetAtt${s.tableIds[table as Table]}Arn`),
        }),
        actions,
      ]);
      expect(granted).toHaveLength(expected.length);
      for (const [table, actions] of Object.entries(DESIGN[name].tables)) {
        const statement = tableStatements.find((st) =>
          JSON.stringify(st.Resource).includes(`GetAtt${s.tableIds[table as Table]}Arn`),
        );
        // IAM writes a single action as a string, several as a list.
        expect([statement?.Action].flat()).toEqual(actions);
      }
    },
  );

  it.each(CONSUMERS)(
    'lets %s put only the detail types it states, and only with its own source (IAM conditions)',
    (name) => {
      const { publishes } = DESIGN[name];
      const putEvents = s.statements(name).filter((st) => JSON.stringify(st.Action).includes('events:'));
      expect(putEvents).toEqual(
        publishes.length === 0
          ? []
          : [
              {
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: { 'Fn::GetAtt': [s.id(s.pipeline.eventBus), 'Arn'] },
                Condition: {
                  StringEquals: {
                    'events:source': SOURCE_OF[publishes[0] ?? ''],
                    'events:detail-type': [...publishes],
                  },
                },
              },
            ],
      );
      for (const dt of publishes) expect(SOURCE_OF[dt]).toBe(`orders.${name}`);
    },
  );

  it('denies, in the bus policy, PutEvents with each internal source to every principal but its function’s role', () => {
    s.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    const bus = s.resources[s.id(s.pipeline.eventBus)]?.Properties;
    expect(bus?.Name).toBe(`OrderPipeline-${stage}`);
    const statements = (bus?.Policy as { Statement?: Record<string, unknown>[] } | undefined)?.Statement;
    const producers = CONSUMERS.filter((name) => DESIGN[name].publishes.length > 0);
    expect(statements).toHaveLength(producers.length);
    for (const name of producers) {
      expect(statements).toContainEqual({
        Sid: `OnlyFunctionPuts${DESIGN[name].id}`,
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':events:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:event-bus/OrderPipeline-${stage}`,
            ],
          ],
        },
        Condition: {
          StringEquals: { 'events:source': `orders.${name}` },
          ArnNotEquals: {
            'aws:PrincipalArn': { 'Fn::GetAtt': [s.id(s.pipeline.consumers[name].role), 'Arn'] },
          },
        },
      });
    }
    expect(JSON.stringify(statements)).not.toContain('orders.client');
  });

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
        'ApiUrl',
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

describe('PipelineStack function environments', () => {
  it.each(['dev', 'prod'] as const)(
    'gives every %s function exactly the variables its handler reads (FUNCTION_ENVIRONMENTS), besides Powertools and NODE_OPTIONS',
    (stage) => {
      const s = setup(stage);
      for (const name of CONSUMERS) {
        const read = Object.keys(FUNCTION_ENVIRONMENTS[name]).filter(
          (v) => !(stage === 'prod' && v === 'FAULT_RULES'),
        );
        const set = Object.keys(s.env(name)).filter((v) => !/^POWERTOOLS_|^NODE_OPTIONS$/.test(v));
        expect(set.sort()).toEqual(read.sort());
      }
    },
  );

  it('fails at synth, naming the function and the variable, when a value its handler would refuse reaches the stack', () => {
    // GIVEN a dev config whose maximum order amount bypassed config validation
    const unsafe = { ...loadStageConfig('dev'), maxOrderAmount: 0 };
    const app = testApp();
    const data = new DataStack(app, 'Data', { config: unsafe });
    // WHEN the pipeline stack is created THEN it refuses before a function could fail at cold start
    expect(
      () =>
        new PipelineStack(app, 'Pipeline', {
          config: unsafe,
          ordersTable: data.ordersTable,
          inventoryTable: data.inventoryTable,
          analyticsTable: data.analyticsTable,
        }),
    ).toThrow(/validate-order's MAX_ORDER_AMOUNT is invalid: Too small/);
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
  it('has exactly these statements: own logs, X-Ray, own queue, orders items, PutEvents of its own facts on the bus', () => {
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
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
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
        Condition: {
          StringEquals: {
            'events:source': 'orders.take-payment',
            'events:detail-type': ['PaymentSucceeded', 'PaymentFailed'],
          },
        },
      },
    ]);
    expect(s.resources[s.id(consumer.role)]?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('PipelineStack.grantPlaceOrders', () => {
  it('GIVEN a client role WHEN granted THEN it may put OrderPlaced with the client source on this bus, and nothing else', () => {
    // GIVEN a storefront backend's role in its own stack
    const app = testApp();
    const { pipeline } = bareStacks(app, loadStageConfig('dev'));
    const storefront = new Stack(app, 'Storefront');
    const role = new Role(storefront, 'Backend', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    // WHEN the pipeline grants it
    pipeline.grantPlaceOrders(role);
    // THEN its one statement is PutEvents of OrderPlaced from orders.client on the bus
    const policies = Object.values(resourcesOf(Template.fromStack(storefront))).filter(
      (r) => r.Type === 'AWS::IAM::Policy',
    );
    expect(policies.flatMap((p) => statementsOf(p))).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::ImportValue': expect.stringContaining('Pipeline:ExportsOutputFnGetAttBus') },
        Condition: {
          StringEquals: { 'events:source': 'orders.client', 'events:detail-type': ['OrderPlaced'] },
        },
      },
    ]);
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
