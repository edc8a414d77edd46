import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { loadStageConfig } from '../../../lib/config';
import {
  type MonitoredStep,
  metricRuleName,
  PipelineMonitoring,
  RUNBOOK_SECTIONS,
} from '../../../lib/constructs/pipeline-monitoring';
import { DLQ_AGE_ALARM_THRESHOLD, QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS } from '../../../lib/defaults';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { withMessage } from '../../support/with-message';
import {
  cdkJsonContext,
  PROJECT_ROOT,
  resourcesOf,
  SYNTH_TIMEOUT_MS,
  statementsOf,
  synthStage,
  testApp,
} from '../support/app';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Dimension = { Name: string; Value: unknown };
type CfnMetric = { Namespace?: unknown; MetricName?: unknown; Dimensions?: Dimension[] };

/** Alarms per step (DLQ and target DLQ depth and age, queue age, function errors and throttles, three rule alarms), plus one on the bus. */
const ALARMS_PER_STEP = 10;
/** Alarms on an HTTP API: 5xx rate and p99 latency. */
const ALARMS_PER_API = 2;
const alarmCount = (steps: number, apis = 0) => steps * ALARMS_PER_STEP + 1 + apis * ALARMS_PER_API;

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to dashes. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      (m[1] ?? '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

function alarmsOf(resources: Record<string, Resource>) {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .map(([id, r]) => ({ id, props: r.Properties ?? {} }));
}

/** Every metric an alarm reads: its own, or each one its metric math expression uses. */
function metricsOfAlarm(props: Record<string, unknown>): CfnMetric[] {
  if (props.MetricName !== undefined) return [props as CfnMetric];
  return ((props.Metrics as { MetricStat?: { Metric: CfnMetric } }[] | undefined) ?? []).flatMap((m) =>
    m.MetricStat ? [m.MetricStat.Metric] : [],
  );
}

/**
 * The metrics of every graph of a dashboard. Its body is a Fn::Join of JSON text and tokens (Refs, Fn::Select,
 * ...): each token is swapped for a placeholder string, the JSON parsed, and the placeholders swapped back, so
 * a dimension value is the token CloudFormation will resolve, not a fragment of text.
 */
function dashboardMetrics(body: unknown): unknown[][] {
  const join = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const tokens: unknown[] = [];
  const text = join[1]
    .map((part) => (typeof part === 'string' ? part : `@@token${tokens.push(part) - 1}@@`))
    .join(join[0]);
  const restore = (value: unknown): unknown => {
    const token = typeof value === 'string' ? /^@@token(\d+)@@$/.exec(value) : null;
    return token ? tokens[Number(token[1])] : value;
  };
  const widgets = (JSON.parse(text) as { widgets: { properties: { metrics?: unknown[][] } }[] }).widgets;
  return widgets.flatMap((w) => w.properties.metrics ?? []).map((metric) => metric.map(restore));
}

/** The dimensions of a dashboard metric `[namespace, name, dim1, value1, ..., options?]`. */
function dashboardDimensions(metric: unknown[]): Dimension[] {
  const pairs = metric
    .slice(2)
    .filter((part) => typeof part !== 'object' || part === null || 'Ref' in part || 'Fn::Select' in part);
  const dimensions: Dimension[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2)
    dimensions.push({ Name: String(pairs[i]), Value: pairs[i + 1] });
  return dimensions;
}

/**
 * What CloudFormation makes of a value, given what each Ref returns: enough of the intrinsic functions
 * (Ref, Fn::Select, Fn::Split) to see the dimension values CloudWatch receives.
 */
function evaluate(value: unknown, refs: Record<string, string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const fn = value as Record<string, unknown>;
  if (typeof fn.Ref === 'string') {
    const resolved = refs[fn.Ref];
    if (resolved === undefined) throw new Error(`no value for Ref ${fn.Ref}`);
    return resolved;
  }
  if (Array.isArray(fn['Fn::Split'])) {
    const [delimiter, source] = fn['Fn::Split'] as [string, unknown];
    return String(evaluate(source, refs)).split(delimiter);
  }
  if (Array.isArray(fn['Fn::Select'])) {
    const [index, list] = fn['Fn::Select'] as [number, unknown];
    const items = evaluate(list, refs) as unknown[];
    if (index >= items.length)
      throw new Error(`Fn::Select ${index} of ${JSON.stringify(items)} fails the deployment`);
    return items[index];
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/** The alarms on `metricName` whose dimension `name` has the value `value`. */
function alarmsOn(
  alarms: ReturnType<typeof alarmsOf>,
  metricName: string,
  dimension: { name: string; value: unknown },
) {
  return alarms.filter(
    (a) =>
      a.props.MetricName === metricName &&
      ((a.props.Dimensions as Dimension[] | undefined) ?? []).some(
        (d) => d.Name === dimension.name && JSON.stringify(d.Value) === JSON.stringify(dimension.value),
      ),
  );
}

describe.each(['dev', 'prod'] as const)('pipeline monitoring in the whole app (%s)', (stage) => {
  let resources: Record<string, Resource>;
  let alarms: ReturnType<typeof alarmsOf>;
  let topicId: string;
  let busId: string;

  beforeAll(() => {
    // GIVEN the stage composed as bin/app.ts does
    const s = synthStage(stage);
    resources = resourcesOf(s.pipelineTemplate);
    alarms = alarmsOf(resources);
    const topics = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    topicId = topics[0]?.[0] ?? '';
    busId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Events::EventBus')?.[0] ?? '';
  }, SYNTH_TIMEOUT_MS);

  const ids = (type: string) =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);

  /** The one alarm on an AWS/SQS metric of the queue `queueId`. */
  const queueAlarm = (metricName: string, queueId: string) => {
    const matching = alarmsOn(alarms, metricName, {
      name: 'QueueName',
      value: { 'Fn::GetAtt': [queueId, 'QueueName'] },
    });
    withMessage(`${metricName} of ${queueId}`, () => expect(matching).toHaveLength(1));
    return matching[0]?.props;
  };

  it('alarms when any source-queue DLQ or rule-target DLQ holds a message', () => {
    // THEN every queue that is a redrive target or a rule target's dead-letter config has one depth alarm
    const redriveTargets = Object.values(resources).flatMap((r) => {
      const policy = r.Properties?.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string] } };
      return policy?.deadLetterTargetArn ? [policy.deadLetterTargetArn['Fn::GetAtt'][0]] : [];
    });
    const targetDlqs = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::Rule')
      .flatMap((r) =>
        ((r.Properties?.Targets as { DeadLetterConfig?: { Arn: { 'Fn::GetAtt': [string] } } }[]) ?? []).map(
          (t) => t.DeadLetterConfig?.Arn['Fn::GetAtt'][0] ?? 'missing',
        ),
      );
    const dlqs = [...redriveTargets, ...targetDlqs];
    expect(dlqs).toHaveLength(12);
    expect(new Set(dlqs).size).toBe(12);
    for (const queueId of dlqs) {
      expect(queueAlarm('ApproximateNumberOfMessagesVisible', queueId)).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms on the age of the oldest message of every source queue at two visibility timeouts', () => {
    const sourceQueues = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties?.RedrivePolicy !== undefined,
    );
    expect(sourceQueues).toHaveLength(6);
    for (const [queueId, queue] of sourceQueues) {
      expect(queueAlarm('ApproximateAgeOfOldestMessage', queueId)?.Threshold).toBe(
        Number(queue.Properties?.VisibilityTimeout) * QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS,
      );
    }
  });

  it('alarms on errors and on throttles of every consumer function', () => {
    // The API's functions answer every failure with a problem: the API alarms watch them.
    const functions = ids('AWS::Lambda::Function').filter((fnId) => !fnId.startsWith('Api'));
    expect(functions).toHaveLength(6);
    for (const fnId of functions) {
      for (const metric of ['Errors', 'Throttles']) {
        const matching = alarmsOn(alarms, metric, { name: 'FunctionName', value: { Ref: fnId } });
        expect({ alarm: `${metric} of ${fnId}`, count: matching.length }).toEqual({
          alarm: `${metric} of ${fnId}`,
          count: 1,
        });
        expect(matching[0]?.props).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1 });
      }
    }
  });

  it('alarms on the age of the oldest message of every DLQ and target DLQ, days before SQS expires it', () => {
    const dlqs = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties?.RedrivePolicy === undefined,
    );
    expect(dlqs).toHaveLength(12);
    for (const [queueId, queue] of dlqs) {
      expect(queueAlarm('ApproximateAgeOfOldestMessage', queueId)).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: DLQ_AGE_ALARM_THRESHOLD.toSeconds(),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      // SQS expires a dead-lettered message by its first enqueue in the source queue: the alarm must
      // leave time after the longest the source queue can have kept it.
      const longestInSourceQueue = Math.max(
        ...Object.values(resources)
          .filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties?.RedrivePolicy !== undefined)
          .map((r) => Number(r.Properties?.MessageRetentionPeriod)),
      );
      expect(DLQ_AGE_ALARM_THRESHOLD.toSeconds()).toBeLessThan(
        Number(queue.Properties?.MessageRetentionPeriod) - longestInSourceQueue,
      );
    }
  });

  it('alarms once on EventBridge throttling any rule of the bus', () => {
    const throttle = alarms.filter((a) =>
      metricsOfAlarm(a.props).some((m) => m.MetricName === 'ThrottledRules'),
    );
    expect(throttle).toHaveLength(1);
    const used = metricsOfAlarm(throttle[0]?.props ?? {});
    const rules = ids('AWS::Events::Rule');
    expect(used.map((m) => (m.Dimensions ?? []).find((d) => d.Name === 'RuleName')?.Value)).toEqual(
      rules.map((ruleId) => ({ 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: ruleId }] }] })),
    );
    expect(throttle[0]?.props).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const [expression] = (throttle[0]?.props.Metrics ?? []) as { Expression?: string }[];
    expect(expression?.Expression).toMatch(/^SUM\(\[/);
  });

  it('reads every AWS/Events metric, in alarms and on the dashboard, under EventBusName and the bare rule name', () => {
    // GIVEN what CloudFormation returns for the bus and for each rule on it (`<bus>|<rule>`)
    const rules = ids('AWS::Events::Rule');
    for (const ruleId of rules) expect(resources[ruleId]?.Properties?.EventBusName).toEqual({ Ref: busId });
    const busName = 'OrderPipelineBus';
    const bareNames = Object.fromEntries(rules.map((ruleId) => [ruleId, `${ruleId}-GENERATED`]));
    const refs = {
      [busId]: busName,
      ...Object.fromEntries(rules.map((ruleId) => [ruleId, `${busName}|${bareNames[ruleId]}`])),
    };
    const expectPublishedDimensions = (dimensions: Dimension[], where: string) => {
      const value = (name: string) => evaluate(dimensions.find((d) => d.Name === name)?.Value ?? null, refs);
      withMessage(where, () => {
        expect(dimensions.map((d) => d.Name).sort()).toEqual(['EventBusName', 'RuleName']);
        expect(value('EventBusName')).toBe(busName);
        expect(String(value('RuleName'))).not.toContain('|');
        expect(Object.values(bareNames)).toContain(value('RuleName'));
      });
    };
    // THEN every alarm on an AWS/Events metric names it as EventBridge publishes it
    const alarmMetrics = alarms.flatMap((a) =>
      metricsOfAlarm(a.props)
        .filter((m) => m.Namespace === 'AWS/Events')
        .map((m) => ({ where: `${a.id} ${m.MetricName}`, dimensions: m.Dimensions ?? [] })),
    );
    expect(alarmMetrics).toHaveLength(rules.length * 4);
    for (const { where, dimensions } of alarmMetrics) expectPublishedDimensions(dimensions, where);
    // AND so does every AWS/Events graph of the dashboard
    const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    const graphed = dashboardMetrics(dashboard?.Properties?.DashboardBody).filter(
      (m) => m[0] === 'AWS/Events',
    );
    expect(graphed).toHaveLength(rules.length * 4);
    for (const metric of graphed) expectPublishedDimensions(dashboardDimensions(metric), String(metric[1]));
  });

  it('alarms on failed, dead-lettered and lost invocations of every rule, on this bus', () => {
    const rules = ids('AWS::Events::Rule');
    expect(rules).toHaveLength(6);
    for (const ruleId of rules) {
      for (const metric of ['FailedInvocations', 'InvocationsSentToDlq', 'InvocationsFailedToBeSentToDlq']) {
        const matching = alarmsOn(alarms, metric, {
          name: 'RuleName',
          value: { 'Fn::Select': [1, { 'Fn::Split': ['|', { Ref: ruleId }] }] },
        });
        expect({ alarm: `${metric} of ${ruleId}`, count: matching.length }).toEqual({
          alarm: `${metric} of ${ruleId}`,
          count: 1,
        });
        expect(matching[0]?.props).toMatchObject({ Namespace: 'AWS/Events', Statistic: 'Sum', Threshold: 1 });
        // A rule on a custom bus publishes its metrics with the bus name as a second dimension.
        expect(matching[0]?.props.Dimensions).toContainEqual({ Name: 'EventBusName', Value: { Ref: busId } });
      }
    }
  });

  it('alarms on the API’s 5xx rate and its sustained p99 latency', () => {
    const apiId = ids('AWS::ApiGatewayV2::Api')[0];
    const rate = alarms.find((a) => String(a.props.AlarmDescription).includes('answered 5xx'))?.props;
    expect(rate).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const rateMetrics =
      (rate?.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: CfnMetric; Period: number; Stat: string };
      }[]) ?? [];
    expect(rateMetrics.find((m) => m.Expression !== undefined)?.Expression).toBe(
      'IF(requests > 0, 100 * errors / requests, 0)',
    );
    expect(
      rateMetrics
        .filter((m) => m.MetricStat)
        .map((m) => [m.Id, m.MetricStat?.Metric.MetricName, m.MetricStat?.Period, m.MetricStat?.Stat])
        .sort(),
    ).toEqual([
      ['errors', '5xx', 300, 'Sum'],
      ['requests', 'Count', 300, 'Sum'],
    ]);
    for (const m of rateMetrics.filter((m) => m.MetricStat)) {
      expect(m.MetricStat?.Metric.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: apiId } }]);
    }
    expect(alarmsOn(alarms, 'Latency', { name: 'ApiId', value: { Ref: apiId } }).map((a) => a.props)).toEqual(
      [
        expect.objectContaining({
          Namespace: 'AWS/ApiGateway',
          ExtendedStatistic: 'p99',
          Period: 300,
          Threshold: 2000,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 3,
          TreatMissingData: 'notBreaching',
        }),
      ],
    );
  });

  it('sends every alarm, and its recovery, to the stage topic', () => {
    expect(alarms).toHaveLength(alarmCount(6, 1));
    for (const alarm of alarms) {
      withMessage(alarm.id, () => {
        expect(alarm.props.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.props.OKActions).toEqual([{ Ref: topicId }]);
      });
    }
  });

  it('links every alarm to an existing section of docs/runbook.md', () => {
    const anchors = headingAnchors(readFileSync(path.join(PROJECT_ROOT, 'docs', 'runbook.md'), 'utf8'));
    for (const alarm of alarms) {
      const description = String(alarm.props.AlarmDescription);
      const link = /Runbook: https:\/\/github\.com\/\S+\/docs\/runbook\.md#([a-z0-9-]+)$/.exec(description);
      withMessage(description, () => expect(link).not.toBeNull());
      withMessage(`${link?.[1]} is a heading of docs/runbook.md`, () =>
        expect(anchors.has(link?.[1] ?? '')).toBe(true),
      );
      expect(description.startsWith(`[${stage}] `)).toBe(true);
    }
  });

  it('encrypts the topic with a rotated customer managed key that CloudWatch may use', () => {
    const keys = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] ?? ['', { Type: '' }];
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    expect(resources[topicId]?.Properties?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const keyStatements = (key.Properties?.KeyPolicy as { Statement: Record<string, unknown>[] } | undefined)
      ?.Statement;
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('lets only TLS requests and this account’s alarms publish to the topic', () => {
    const policies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::SNS::TopicPolicy' &&
        JSON.stringify(r.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]),
    );
    expect(policies).toHaveLength(1);
    const statements = statementsOf(policies[0]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: expect.objectContaining({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        }),
      }),
    );
  });

  it(`has a dashboard OrderPipeline-${stage} that shows every alarm`, () => {
    const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties?.DashboardName).toBe(`OrderPipeline-${stage}`);
    const body = JSON.stringify(dashboards[0]?.Properties?.DashboardBody);
    for (const alarm of alarms) {
      expect(body).toContain(`"Fn::GetAtt":["${alarm.id}","Arn"]`);
    }
  });

  it('graphs the API’s requests, 4xx, 5xx and latency on the dashboard', () => {
    const apiId = ids('AWS::ApiGatewayV2::Api')[0];
    const dashboard = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    const graphed = dashboardMetrics(dashboard?.Properties?.DashboardBody).filter(
      (metric) => metric[0] === 'AWS/ApiGateway',
    );
    for (const metric of graphed) {
      expect(dashboardDimensions(metric)).toEqual([{ Name: 'ApiId', Value: { Ref: apiId } }]);
    }
    expect([...new Set(graphed.map((metric) => metric[1]))].sort()).toEqual([
      '4xx',
      '5xx',
      'Count',
      'Latency',
    ]);
  });
});

describe('runbook links', () => {
  it('has a docs/runbook.md heading for every kind of alarm', () => {
    const anchors = headingAnchors(readFileSync(path.join(PROJECT_ROOT, 'docs', 'runbook.md'), 'utf8'));
    expect(Object.values(RUNBOOK_SECTIONS).filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });

  it('GIVEN -c runbookUrl=<url> WHEN the app is synthesized THEN every alarm links that URL', () => {
    const url = 'https://git.example.com/org/order-pipeline/blob/main/docs/runbook.md';
    const app = new App({
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], runbookUrl: url },
      builtinCloudFormationValidation: false,
    });
    const { pipeline } = addOrderPipeline(app, loadStageConfig('dev'));
    const descriptions = alarmsOf(resourcesOf(Template.fromStack(pipeline))).map((a) =>
      String(a.props.AlarmDescription),
    );
    expect(descriptions).toHaveLength(alarmCount(6, 1));
    for (const d of descriptions) {
      expect(d).toMatch(new RegExp(`Runbook: ${url.replace(/[.]/g, '\\.')}#[a-z-]+$`));
    }
  });
});

describe('PipelineMonitoring on its own', () => {
  /** A minimal step of plain CDK resources (no EventConsumer): the construct accepts interfaces. */
  function step(stack: Stack, bus: EventBus, name: string): MonitoredStep {
    const deadLetterQueue = new Queue(stack, `${name}Dlq`);
    return {
      name,
      rule: new Rule(stack, `${name}Rule`, { eventBus: bus, eventPattern: { source: ['x'] } }),
      queue: new Queue(stack, `${name}Queue`, {
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
      }),
      queueVisibilityTimeout: Duration.seconds(40),
      deadLetterQueue,
      targetDeadLetterQueue: new Queue(stack, `${name}TargetDlq`),
      fn: new LambdaFunction(stack, `${name}Fn`, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => {}'),
      }),
    };
  }

  function build(steps: (stack: Stack, bus: EventBus) => MonitoredStep[], runbookUrl?: string) {
    const stack = new Stack(testApp(), 'Test');
    const bus = new EventBus(stack, 'Bus');
    const monitoring = new PipelineMonitoring(stack, 'Monitoring', {
      stage: 'test',
      eventBus: bus,
      steps: steps(stack, bus),
      runbookUrl,
    });
    return { stack, monitoring };
  }

  it('GIVEN steps without existing DLQ alarms WHEN monitored THEN it creates both depth alarms itself', () => {
    const { stack, monitoring } = build((s, b) => [step(s, b, 'one')]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', alarmCount(1));
    // Undelivered notifications are watched only when the topic has subscriptions, an API only when given.
    const kinds = Object.keys(RUNBOOK_SECTIONS).filter(
      (k) => !['alarmNotificationsUndelivered', 'apiServerErrors', 'apiLatency'].includes(k),
    );
    expect(monitoring.alarms.map((a) => a.kind).sort()).toEqual(kinds.sort());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 40 * QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS,
    });
  });

  it('GIVEN a runbook URL with an anchor WHEN monitored THEN descriptions use the URL without it', () => {
    const { monitoring } = build((s, b) => [step(s, b, 'one')], 'https://h/runbook.md#old');
    expect(monitoring.alarmDescription('functionErrors', 'one', 'x')).toBe(
      '[test] one: x. Runbook: https://h/runbook.md#function-errors',
    );
  });

  it('GIVEN a rule name known at synth WHEN its metrics are read THEN they use the bare name', () => {
    expect(metricRuleName({ ruleName: 'bus|my-rule' })).toBe('my-rule');
    expect(metricRuleName({ ruleName: 'my-rule' })).toBe('my-rule');
  });

  it('fails when there are no steps', () => {
    expect(() => build(() => [])).toThrow(/steps is empty/);
  });

  it('fails when there are more steps than one alarm can sum the throttles of', () => {
    const names = Array.from({ length: 11 }, (_, i) => `step-${i}`);
    expect(() => build((s, b) => names.map((n) => step(s, b, n)))).toThrow(/11 steps.*at most 10 metrics/);
  });

  it('fails when the rules are on the default bus', () => {
    const stack = new Stack(testApp(), 'DefaultBus');
    const bus = EventBus.fromEventBusName(stack, 'Default', 'default');
    const custom = new EventBus(stack, 'Custom');
    expect(
      () =>
        new PipelineMonitoring(stack, 'Monitoring', {
          stage: 'test',
          eventBus: bus,
          steps: [step(stack, custom, 'one')],
        }),
    ).toThrow(/default bus.*custom EventBus/);
  });

  it('fails when two steps have the same name', () => {
    expect(() => build((s, b) => [step(s, b, 'same'), { ...step(s, b, 'other'), name: 'same' }])).toThrow(
      /unique.*same/,
    );
  });

  it('fails when a step name is not kebab-case', () => {
    expect(() => build((s, b) => [step(s, b, 'Not Kebab')])).toThrow(/kebab-case/);
  });

  it('fails when the runbook URL has spaces', () => {
    expect(() => build((s, b) => [step(s, b, 'one')], 'docs/run book.md')).toThrow(/runbookUrl/);
  });
});
