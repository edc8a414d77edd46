import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  type MetricOptions,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus, IRule } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopicSubscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ALARM_PERIOD,
  API_5XX_RATE_ALARM_PERCENT,
  API_ALARM_PERIOD,
  API_LATENCY_ALARM_PERIODS,
  API_P99_LATENCY_ALARM,
  DLQ_AGE_ALARM_THRESHOLD,
  DLQ_RETENTION,
  QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS,
} from '../defaults';
import { RUNBOOK_URL } from '../repository';
import type { EventConsumer } from './event-consumer';

/**
 * The runbook section (docs/runbook.md heading anchor) of each kind of alarm. Every alarm description
 * links its section; test/lib/constructs/pipeline-monitoring.test.ts checks each anchor exists.
 */
export const RUNBOOK_SECTIONS = {
  deadLetterQueue: 'dead-letter-queue-has-messages',
  targetDeadLetterQueue: 'target-dead-letter-queue-has-messages',
  deadLetterQueueAge: 'dead-letter-queue-message-near-expiry',
  targetDeadLetterQueueAge: 'target-dead-letter-queue-message-near-expiry',
  queueAge: 'queue-oldest-message-too-old',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  ruleFailedInvocations: 'rule-failed-invocations',
  ruleInvocationsSentToDlq: 'rule-invocations-sent-to-dlq',
  ruleInvocationsFailedToBeSentToDlq: 'rule-invocations-failed-to-be-sent-to-dlq',
  busThrottledRules: 'bus-rules-throttled',
  alarmNotificationsUndelivered: 'alarm-notifications-undelivered',
  apiServerErrors: 'api-server-errors',
  apiLatency: 'api-latency',
} as const;
export type AlarmKind = keyof typeof RUNBOOK_SECTIONS;

/** Where the runbook is when no URL is given: docs/runbook.md in the repository (package.json `repository`). */
export const DEFAULT_RUNBOOK_URL = RUNBOOK_URL;

/** What the alarms on the bus as a whole (not on one step) name as their subject. */
export const BUS_SUBJECT = 'event-bus';
/** What the alarm on undelivered notifications names as its subject. */
export const ALARM_TOPIC_SUBJECT = 'alarm-topic';

/** SNS's protocol for an alarm endpoint: https:// URLs are HTTPS, anything else must be an email address. */
export function alarmEndpointProtocol(endpoint: string): 'https' | 'email' | undefined {
  if (endpoint.startsWith('https://')) {
    try {
      const url = new URL(endpoint);
      // Credentials in the URL would be readable by anyone who can read the template.
      return url.hostname !== '' && url.username === '' && url.password === '' ? 'https' : undefined;
    } catch {
      return undefined;
    }
  }
  return /^[^@\s]+@[^@\s]+\.[^@\s.]+$/.test(endpoint) ? 'email' : undefined;
}

function alarmSubscription(endpoint: string, deadLetterQueue: Queue): ITopicSubscription {
  return alarmEndpointProtocol(endpoint) === 'https'
    ? new UrlSubscription(endpoint, { protocol: SubscriptionProtocol.HTTPS, deadLetterQueue })
    : new EmailSubscription(endpoint, { deadLetterQueue });
}

/** CloudWatch evaluates at most 10 metrics in one metric math alarm (a hard limit). */
const MAX_METRICS_PER_MATH_ALARM = 10;

/**
 * The name EventBridge publishes a rule's metrics under. `rule.ruleName` is the rule's Ref, which for a
 * rule on a custom bus is `<bus>|<rule>` (cloudformation-coverage-roadmap issues 1131 and 1949): alarms
 * on that value never see a datapoint. The bare name is taken from the Ref instead of giving the rule
 * a physical name, which would have to stay unique on the bus and would block CloudFormation from
 * replacing the rule; a name known at synth (an imported rule) is split here.
 */
export function metricRuleName(rule: Pick<IRule, 'ruleName'>): string {
  const { ruleName } = rule;
  if (!Token.isUnresolved(ruleName)) return ruleName.slice(ruleName.lastIndexOf('|') + 1);
  return Fn.select(1, Fn.split('|', ruleName));
}

/**
 * An AWS/Events metric of a rule on the custom bus `bus`, with both dimensions EventBridge publishes it
 * under: `EventBusName` and the bare `RuleName`. The alarms and the dashboard both build rule metrics here.
 */
export function ruleMetric(
  bus: IEventBus,
  rule: IRule,
  metricName: string,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { EventBusName: bus.eventBusName, RuleName: metricRuleName(rule) },
    statistic: 'Sum',
    period: ALARM_PERIOD,
    ...options,
  });
}

/** One step of the pipeline as the monitoring sees it: rule -> queue (+ DLQ) -> function, and the rule's DLQ. */
export interface MonitoredStep {
  /** Short name shown in alarm descriptions and on the dashboard, e.g. `validate-order`. */
  readonly name: string;
  readonly rule: IRule;
  readonly queue: IQueue;
  /** Visibility timeout of `queue`: the oldest-message threshold is a multiple of it. */
  readonly queueVisibilityTimeout: Duration;
  readonly deadLetterQueue: IQueue;
  readonly targetDeadLetterQueue: IQueue;
  readonly fn: IFunction;
}

/** What the monitoring needs of an EventConsumer. */
export function monitoredStepOf(name: string, consumer: EventConsumer): MonitoredStep {
  return {
    name,
    rule: consumer.rule,
    queue: consumer.queue,
    queueVisibilityTimeout: consumer.visibilityTimeout,
    deadLetterQueue: consumer.deadLetterQueue,
    targetDeadLetterQueue: consumer.targetDeadLetterQueue,
    fn: consumer.fn,
  };
}

/** The HTTP API in front of the pipeline, as the monitoring sees it. */
export interface MonitoredApi {
  /** Short name shown in alarm descriptions and on the dashboard, e.g. `api`. */
  readonly name: string;
  readonly httpApi: IHttpApi;
}

export interface PipelineMonitoringProps {
  /** Stage name, shown in alarm descriptions, the topic and the dashboard name. */
  readonly stage: string;
  /**
   * The custom bus the steps' rules belong to: rule metrics of a custom bus carry its name as a
   * dimension. Not the default bus, whose rules publish theirs without it.
   */
  readonly eventBus: IEventBus;
  readonly steps: readonly MonitoredStep[];
  /**
   * An HTTP API to alarm on (5xx rate, p99 latency) and show on the dashboard.
   * @default - no API alarms or widgets
   */
  readonly api?: MonitoredApi;
  /**
   * Base of the runbook links in alarm descriptions and on the dashboard; `#<section>` is appended.
   * @default - `DEFAULT_RUNBOOK_URL`, docs/runbook.md on the repository's default branch
   */
  readonly runbookUrl?: string;
  /**
   * Email addresses and https:// URLs the alarm topic notifies. What SNS cannot deliver to them waits in
   * `notificationDeadLetterQueue`, which has an alarm of its own.
   * @default - none: subscribe your paging to `topic`
   */
  readonly alarmSubscriptions?: readonly string[];
  /**
   * Name of the CloudWatch dashboard. A fixed name, so the runbook and operators can find it.
   * @default - `OrderPipeline-<stage>`
   */
  readonly dashboardName?: string;
  /**
   * Removal policy of the topic's KMS key.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** An alarm of the monitoring, with what it watches. */
export interface PipelineAlarm {
  readonly kind: AlarmKind;
  /** The step it watches, or BUS_SUBJECT for an alarm on the bus as a whole. */
  readonly step: string;
  readonly alarm: Alarm;
}

/**
 * Alarms for every failure signal of an event-driven pipeline, sent to one encrypted SNS topic per
 * stage, and a dashboard. Per step:
 *
 * - its DLQ and its rule's target DLQ hold a message (depth >= 1);
 * - the oldest message of either DLQ is `DLQ_AGE_ALARM_THRESHOLD` old, days before SQS would expire it;
 * - the oldest message of its queue is older than `QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS` visibility timeouts;
 * - its function reports an error or a throttle;
 * - its rule's target invocations fail permanently, go to the target DLQ, or fail to go there.
 *
 * And for the bus: EventBridge throttles any of the steps' rules.
 *
 * Each alarm's description names the stage and the step and links its runbook section.
 */
export class PipelineMonitoring extends Construct {
  /** Subscribe your paging (email, chat, incident tool) here. */
  public readonly topic: Topic;
  /** Encrypts the topic; CloudWatch may use it to publish alarms. */
  public readonly topicKey: Key;
  public readonly dashboard: Dashboard;
  public readonly alarms: readonly PipelineAlarm[];
  /** Notifications SNS failed to deliver to `alarmSubscriptions`; only when there are any. */
  public readonly notificationDeadLetterQueue?: Queue;

  private readonly runbookUrl: string;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.stage = props.stage;
    this.runbookUrl = (props.runbookUrl ?? DEFAULT_RUNBOOK_URL).replace(/#.*$/, '');
    this.checkInvariants(props);
    const stack = Stack.of(this);

    // A customer managed key: CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key,
    // whose policy cannot be changed to let it in.
    this.topicKey = new Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ${props.stage} order pipeline alarm topic`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheTopic',
        effect: Effect.ALLOW,
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Order pipeline alarms (${props.stage})`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // Only this account's alarms may publish (confused-deputy protection).
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        effect: Effect.ALLOW,
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    const alarms: PipelineAlarm[] = [];
    for (const step of props.steps) {
      alarms.push(...this.alarmStep(step, props.eventBus));
    }
    alarms.push(this.alarmBus(props));
    if (props.api) alarms.push(...this.alarmApi(props.api));
    const endpoints = props.alarmSubscriptions ?? [];
    if (endpoints.length > 0) {
      this.notificationDeadLetterQueue = new Queue(this, 'NotificationDeadLetterQueue', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DLQ_RETENTION,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      for (const endpoint of endpoints) {
        this.topic.addSubscription(alarmSubscription(endpoint, this.notificationDeadLetterQueue));
      }
      alarms.push(
        this.newAlarm(
          this,
          'alarmNotificationsUndelivered',
          ALARM_TOPIC_SUBJECT,
          this.notificationDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: ALARM_PERIOD,
            statistic: 'Maximum',
          }),
          'SNS could not deliver alarm notifications to a subscribed endpoint; they wait in its dead-letter queue',
        ),
      );
    }
    const action = new SnsAction(this.topic);
    for (const { alarm } of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `OrderPipeline-${props.stage}`,
      defaultInterval: Duration.hours(3),
    });
    this.addWidgets(props);
  }

  /** The description of an alarm: what it means, where, and its runbook section. */
  alarmDescription(kind: AlarmKind, step: string, what: string): string {
    return `[${this.stage}] ${step}: ${what}. Runbook: ${this.runbookUrl}#${RUNBOOK_SECTIONS[kind]}`;
  }

  private alarmStep(step: MonitoredStep, bus: IEventBus): PipelineAlarm[] {
    const scope = new Construct(this, pascalCase(step.name));
    const make = (kind: AlarmKind, metric: IMetric, what: string, threshold?: number) =>
      this.newAlarm(scope, kind, step.name, metric, what, threshold);
    const dlqDepth = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' });
    const oldest = (queue: IQueue) =>
      queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: 'Maximum' });

    const dlqWhat = 'messages the function failed to process are in its dead-letter queue';
    const targetWhat = 'events EventBridge could not deliver to the queue are in the rule target DLQ';
    const dlqAge = DLQ_AGE_ALARM_THRESHOLD.toSeconds();
    const nearExpiry = `${DLQ_AGE_ALARM_THRESHOLD.toDays()} days old, redrive it before SQS expires it`;
    const ageThreshold = step.queueVisibilityTimeout.toSeconds() * QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS;
    const ruleMetricOf = (metricName: string) => ruleMetric(bus, step.rule, metricName);
    return [
      make('deadLetterQueue', dlqDepth(step.deadLetterQueue), dlqWhat),
      make('targetDeadLetterQueue', dlqDepth(step.targetDeadLetterQueue), targetWhat),
      make(
        'deadLetterQueueAge',
        oldest(step.deadLetterQueue),
        `the oldest message of its dead-letter queue is ${nearExpiry}`,
        dlqAge,
      ),
      make(
        'targetDeadLetterQueueAge',
        oldest(step.targetDeadLetterQueue),
        `the oldest event of the rule target DLQ is ${nearExpiry}`,
        dlqAge,
      ),
      make(
        'queueAge',
        oldest(step.queue),
        `the oldest message of its queue is older than ${ageThreshold} s (${QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS} visibility timeouts)`,
        ageThreshold,
      ),
      make(
        'functionErrors',
        step.fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
        'the function failed a whole invocation (error, crash or timeout)',
      ),
      make(
        'functionThrottles',
        step.fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
        'invocations of the function were throttled',
      ),
      make(
        'ruleFailedInvocations',
        ruleMetricOf('FailedInvocations'),
        'the rule failed to deliver events to its queue for good',
      ),
      make(
        'ruleInvocationsSentToDlq',
        ruleMetricOf('InvocationsSentToDlq'),
        'the rule sent events it could not deliver to its target DLQ',
      ),
      make(
        'ruleInvocationsFailedToBeSentToDlq',
        ruleMetricOf('InvocationsFailedToBeSentToDlq'),
        'the rule could not deliver events nor put them in its target DLQ: they are lost unless replayed',
      ),
    ];
  }

  /**
   * EventBridge publishes ThrottledRules per rule, so the bus alarm sums the metric of every step's
   * rule. A throttled delivery is retried (for up to the target's maximum event age), so nothing is
   * lost yet, but the account's invocation quota is reached and every step slows down: as for a
   * function throttle, the first one alarms.
   */
  private alarmBus(props: PipelineMonitoringProps): PipelineAlarm {
    const usingMetrics = Object.fromEntries(
      props.steps.map((step, i) => [`rule${i}`, ruleMetric(props.eventBus, step.rule, 'ThrottledRules')]),
    );
    const throttled = new MathExpression({
      expression: `SUM([${Object.keys(usingMetrics).join(', ')}])`,
      usingMetrics,
      period: ALARM_PERIOD,
      label: 'throttled rules',
    });
    return this.newAlarm(
      this,
      'busThrottledRules',
      BUS_SUBJECT,
      throttled,
      'EventBridge throttled deliveries of the pipeline rules (account invocation quota reached)',
    );
  }

  /**
   * The API's share of 5xx answers, and its p99 latency sustained over several periods. 4xx are the
   * callers' mistakes (and 401/403/429 API Gateway's own answers): on the dashboard, not paging.
   */
  private apiMetrics(api: MonitoredApi) {
    const period = API_ALARM_PERIOD;
    const requests = api.httpApi.metricCount({ period, statistic: 'Sum' });
    const serverErrors = api.httpApi.metricServerError({ period, statistic: 'Sum' });
    return {
      requests,
      serverErrors,
      clientErrors: api.httpApi.metricClientError({ period, statistic: 'Sum' }),
      serverErrorRate: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors: serverErrors },
        period,
        label: '5xx rate (%)',
      }),
      p99: api.httpApi.metricLatency({ period, statistic: 'p99' }),
    };
  }

  private alarmApi(api: MonitoredApi): PipelineAlarm[] {
    const scope = new Construct(this, pascalCase(api.name));
    const metrics = this.apiMetrics(api);
    const latencyMs = API_P99_LATENCY_ALARM.toMilliseconds();
    const minutes = API_ALARM_PERIOD.toMinutes();
    return [
      this.newAlarm(
        scope,
        'apiServerErrors',
        api.name,
        metrics.serverErrorRate,
        `at least ${API_5XX_RATE_ALARM_PERCENT} % of the requests of ${minutes} minutes were answered 5xx (a dependency failed)`,
        API_5XX_RATE_ALARM_PERCENT,
      ),
      this.newAlarm(
        scope,
        'apiLatency',
        api.name,
        metrics.p99,
        `p99 latency above ${latencyMs} ms for ${API_LATENCY_ALARM_PERIODS * minutes} minutes`,
        latencyMs,
        API_LATENCY_ALARM_PERIODS,
      ),
    ];
  }

  /**
   * One datapoint at or above the threshold in one period alarms; no datapoint means nothing happened
   * (SQS, Lambda and EventBridge publish only on activity).
   */
  private newAlarm(
    scope: Construct,
    kind: AlarmKind,
    subject: string,
    metric: IMetric,
    what: string,
    threshold = 1,
    periods = 1,
  ): PipelineAlarm {
    return {
      kind,
      step: subject,
      alarm: new Alarm(scope, pascalCase(kind), {
        metric,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: this.alarmDescription(kind, subject, what),
      }),
    };
  }

  private addWidgets(props: PipelineMonitoringProps): void {
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Order pipeline (${props.stage})\nAlarms go to the SNS topic of this stage; each alarm links its section of the [runbook](${this.runbookUrl}). \`npm run ops -- dlq list --stage ${props.stage}\` lists the dead-letter queues.`,
        width: 24,
        height: 2,
      }),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarms.map((a) => a.alarm),
        width: 24,
        height: Math.max(3, Math.ceil(this.alarms.length / 4) + 1),
      }),
    );
    if (props.api) {
      const api = this.apiMetrics(props.api);
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${props.api.name}: requests`,
          width: 12,
          left: [
            api.requests.with({ label: 'requests' }),
            api.clientErrors.with({ label: '4xx' }),
            api.serverErrors.with({ label: '5xx' }),
          ],
          right: [api.serverErrorRate],
        }),
        new GraphWidget({
          title: `${props.api.name}: latency`,
          width: 12,
          left: [
            props.api.httpApi.metricLatency({
              period: API_ALARM_PERIOD,
              statistic: 'p50',
              label: 'p50 (ms)',
            }),
            api.p99,
          ],
        }),
      );
    }
    for (const step of props.steps) {
      const period = ALARM_PERIOD;
      const ruleMetricOf = (metricName: string) =>
        ruleMetric(props.eventBus, step.rule, metricName, { label: metricName });
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${step.name}: rule`,
          width: 6,
          left: [
            ruleMetricOf('Invocations'),
            ruleMetricOf('FailedInvocations'),
            ruleMetricOf('InvocationsSentToDlq'),
            ruleMetricOf('ThrottledRules'),
          ],
        }),
        new GraphWidget({
          title: `${step.name}: queue`,
          width: 6,
          left: [
            step.queue.metricApproximateNumberOfMessagesVisible({ period, label: 'visible' }),
            step.queue.metricApproximateNumberOfMessagesNotVisible({ period, label: 'in flight' }),
          ],
          right: [
            step.queue.metricApproximateAgeOfOldestMessage({
              period,
              statistic: 'Maximum',
              label: 'oldest (s)',
            }),
          ],
        }),
        new GraphWidget({
          title: `${step.name}: function`,
          width: 6,
          left: [
            step.fn.metricInvocations({ period, label: 'invocations' }),
            step.fn.metricErrors({ period, label: 'errors' }),
            step.fn.metricThrottles({ period, label: 'throttles' }),
          ],
          right: [step.fn.metricDuration({ period, statistic: 'p99', label: 'p99 duration' })],
        }),
        new GraphWidget({
          title: `${step.name}: dead-letter queues`,
          width: 6,
          left: [
            step.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period,
              statistic: 'Maximum',
              label: 'DLQ',
            }),
            step.targetDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period,
              statistic: 'Maximum',
              label: 'target DLQ',
            }),
          ],
          right: [
            step.deadLetterQueue.metricApproximateAgeOfOldestMessage({
              period,
              statistic: 'Maximum',
              label: 'DLQ oldest (s)',
            }),
            step.targetDeadLetterQueue.metricApproximateAgeOfOldestMessage({
              period,
              statistic: 'Maximum',
              label: 'target DLQ oldest (s)',
            }),
          ],
        }),
      );
    }
  }

  private checkInvariants(props: PipelineMonitoringProps): void {
    const fail = (message: string): never => {
      throw new Error(`PipelineMonitoring ${this.node.path}: ${message}`);
    };
    if (props.steps.length === 0) {
      fail('steps is empty: pass every step of the pipeline, or there is nothing to alarm on.');
    }
    if (props.steps.length > MAX_METRICS_PER_MATH_ALARM) {
      fail(
        `${props.steps.length} steps: the bus throttle alarm sums one metric per step's rule and CloudWatch ` +
          `allows at most ${MAX_METRICS_PER_MATH_ALARM} metrics per alarm. Split the steps over two PipelineMonitoring constructs.`,
      );
    }
    const busName = props.eventBus.eventBusName;
    if (!Token.isUnresolved(busName) && busName === 'default') {
      fail(
        'eventBus is the default bus: its rules publish their metrics without an EventBusName, and these ' +
          'alarms expect a custom bus. Put the rules on a custom EventBus.',
      );
    }
    const names = props.steps.map((s) => s.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) {
      fail(`step names must be unique (they name the alarms), got ${twice.join(', ')} twice.`);
    }
    for (const name of names) {
      if (!/^[a-z][a-z0-9-]*$/.test(name)) {
        fail(`step name "${name}" must be kebab-case (lowercase letters, digits, dashes).`);
      }
    }
    for (const endpoint of props.alarmSubscriptions ?? []) {
      if (!alarmEndpointProtocol(endpoint)) {
        fail(
          `alarm subscription "${endpoint}" must be an email address or an https:// URL without credentials.`,
        );
      }
    }
    if (/\s/.test(this.runbookUrl) || this.runbookUrl === '') {
      fail(`runbookUrl "${props.runbookUrl}" must be a URL or a repository path without spaces.`);
    }
  }
}

function pascalCase(name: string): string {
  return name
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
