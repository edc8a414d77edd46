import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  type CfnAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus, IRule } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { CfnQueue, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_PERIOD, QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS } from '../defaults';
import type { EventConsumer } from './event-consumer';

/**
 * The runbook section (docs/runbook.md heading anchor) of each kind of alarm. Every alarm description
 * links its section; test/lib/constructs/pipeline-monitoring.test.ts checks each anchor exists.
 */
export const RUNBOOK_SECTIONS = {
  deadLetterQueue: 'dead-letter-queue-has-messages',
  targetDeadLetterQueue: 'target-dead-letter-queue-has-messages',
  queueAge: 'queue-oldest-message-too-old',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  ruleFailedInvocations: 'rule-failed-invocations',
  ruleInvocationsSentToDlq: 'rule-invocations-sent-to-dlq',
  ruleInvocationsFailedToBeSentToDlq: 'rule-invocations-failed-to-be-sent-to-dlq',
} as const;
export type AlarmKind = keyof typeof RUNBOOK_SECTIONS;

/** Where the runbook is when no URL is given: repository-relative, as docs link each other. */
export const DEFAULT_RUNBOOK_URL = 'docs/runbook.md';

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
  /**
   * Alarms that already watch the two DLQs (EventConsumer creates them). They get the topic as action
   * and a runbook link instead of being duplicated.
   * @default - the monitoring creates them
   */
  readonly deadLetterAlarm?: Alarm;
  /** @default - the monitoring creates it */
  readonly targetDeadLetterAlarm?: Alarm;
}

/** What the monitoring needs of an EventConsumer, with the visibility timeout read from its queue. */
export function monitoredStepOf(name: string, consumer: EventConsumer): MonitoredStep {
  const cfnQueue = consumer.queue.node.defaultChild;
  const visibility = cfnQueue instanceof CfnQueue ? cfnQueue.visibilityTimeout : undefined;
  if (typeof visibility !== 'number') {
    throw new Error(
      `monitoredStepOf(${name}): the queue of ${consumer.node.path} has no numeric visibility timeout to derive the age alarm from.`,
    );
  }
  return {
    name,
    rule: consumer.rule,
    queue: consumer.queue,
    queueVisibilityTimeout: Duration.seconds(visibility),
    deadLetterQueue: consumer.deadLetterQueue,
    targetDeadLetterQueue: consumer.targetDeadLetterQueue,
    fn: consumer.fn,
    deadLetterAlarm: consumer.deadLetterAlarm,
    targetDeadLetterAlarm: consumer.targetDeadLetterAlarm,
  };
}

export interface PipelineMonitoringProps {
  /** Stage name, shown in alarm descriptions, the topic and the dashboard name. */
  readonly stage: string;
  /** The bus the steps' rules belong to: rule metrics of a custom bus carry its name as a dimension. */
  readonly eventBus: IEventBus;
  readonly steps: readonly MonitoredStep[];
  /**
   * Base of the runbook links in alarm descriptions; `#<section>` is appended. A full URL (e.g. the
   * file on your Git host) makes the link clickable in the notification.
   * @default - `DEFAULT_RUNBOOK_URL`, repository-relative
   */
  readonly runbookUrl?: string;
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

/** An alarm created or adopted by the monitoring, with what it watches. */
export interface PipelineAlarm {
  readonly kind: AlarmKind;
  readonly step: string;
  readonly alarm: Alarm;
}

/**
 * Alarms for every failure signal of an event-driven pipeline, sent to one encrypted SNS topic per
 * stage, and a dashboard. Per step:
 *
 * - its DLQ and its rule's target DLQ hold a message (depth >= 1);
 * - the oldest message of its queue is older than `QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS` visibility timeouts;
 * - its function reports an error or a throttle;
 * - its rule's target invocations fail permanently, go to the target DLQ, or fail to go there.
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
    const id = pascalCase(step.name);
    const scope = new Construct(this, id);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No datapoint means nothing happened: SQS, Lambda and EventBridge publish only on activity.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    const make = (kind: AlarmKind, metric: IMetric, what: string, threshold = atLeastOne.threshold) => ({
      kind,
      step: step.name,
      alarm: new Alarm(scope, pascalCase(kind), {
        ...atLeastOne,
        metric,
        threshold,
        alarmDescription: this.alarmDescription(kind, step.name, what),
      }),
    });
    const adopt = (kind: AlarmKind, alarm: Alarm, what: string): PipelineAlarm => {
      // The alarm belongs to the EventConsumer, which has no runbook to link: set it on its resource.
      (alarm.node.defaultChild as CfnAlarm).alarmDescription = this.alarmDescription(kind, step.name, what);
      return { kind, step: step.name, alarm };
    };
    const dlqDepth = (queue: IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' });

    const dlqWhat = 'messages the function failed to process are in its dead-letter queue';
    const targetWhat = 'events EventBridge could not deliver to the queue are in the rule target DLQ';
    const ageThreshold = step.queueVisibilityTimeout.toSeconds() * QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS;
    const ruleMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/Events',
        metricName,
        dimensionsMap: { EventBusName: bus.eventBusName, RuleName: step.rule.ruleName },
        statistic: 'Sum',
        period: ALARM_PERIOD,
      });
    return [
      step.deadLetterAlarm
        ? adopt('deadLetterQueue', step.deadLetterAlarm, dlqWhat)
        : make('deadLetterQueue', dlqDepth(step.deadLetterQueue), dlqWhat),
      step.targetDeadLetterAlarm
        ? adopt('targetDeadLetterQueue', step.targetDeadLetterAlarm, targetWhat)
        : make('targetDeadLetterQueue', dlqDepth(step.targetDeadLetterQueue), targetWhat),
      make(
        'queueAge',
        step.queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: 'Maximum' }),
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
        ruleMetric('FailedInvocations'),
        'the rule failed to deliver events to its queue for good',
      ),
      make(
        'ruleInvocationsSentToDlq',
        ruleMetric('InvocationsSentToDlq'),
        'the rule sent events it could not deliver to its target DLQ',
      ),
      make(
        'ruleInvocationsFailedToBeSentToDlq',
        ruleMetric('InvocationsFailedToBeSentToDlq'),
        'the rule could not deliver events nor put them in its target DLQ: they are lost unless replayed',
      ),
    ];
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
    for (const step of props.steps) {
      const period = ALARM_PERIOD;
      const ruleMetric = (metricName: string) =>
        new Metric({
          namespace: 'AWS/Events',
          metricName,
          dimensionsMap: { EventBusName: props.eventBus.eventBusName, RuleName: step.rule.ruleName },
          statistic: 'Sum',
          period,
          label: metricName,
        });
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${step.name}: rule`,
          width: 6,
          left: [
            ruleMetric('Invocations'),
            ruleMetric('FailedInvocations'),
            ruleMetric('InvocationsSentToDlq'),
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
