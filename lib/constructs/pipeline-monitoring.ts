import { RemovalPolicy, Token } from 'aws-cdk-lib';
import type { Dashboard, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUNBOOK_URL } from '../repository';
import { alarmEndpointProtocol, alarmTopic, subscribeEndpoints } from './pipeline-monitoring/alarm-topic';
import {
  ALARM_TOPIC_SUBJECT,
  type AlarmKind,
  BUS_SUBJECT,
  type MakeAlarm,
  newAlarm,
  type PipelineAlarm,
  pascalCase,
  RUNBOOK_SECTIONS,
} from './pipeline-monitoring/alarms';
import { apiAlarms, type MonitoredApi } from './pipeline-monitoring/api-alarms';
import { pipelineDashboard } from './pipeline-monitoring/dashboard';
import {
  busThrottleAlarm,
  MAX_METRICS_PER_MATH_ALARM,
  ruleAlarms,
} from './pipeline-monitoring/event-bus-alarms';
import { functionAlarms } from './pipeline-monitoring/function-alarms';
import { queueAlarms } from './pipeline-monitoring/queue-alarms';
import type { MonitoredStep } from './pipeline-monitoring/step';

export { alarmEndpointProtocol } from './pipeline-monitoring/alarm-topic';
export {
  ALARM_TOPIC_SUBJECT,
  type AlarmKind,
  BUS_SUBJECT,
  type PipelineAlarm,
  RUNBOOK_SECTIONS,
} from './pipeline-monitoring/alarms';
export type { MonitoredApi } from './pipeline-monitoring/api-alarms';
export { metricRuleName, ruleMetric } from './pipeline-monitoring/event-bus-alarms';
export { type MonitoredStep, monitoredStepOf } from './pipeline-monitoring/step';

/** Where the runbook is when no URL is given: docs/runbook.md in the repository (package.json `repository`). */
export const DEFAULT_RUNBOOK_URL = RUNBOOK_URL;

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
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const { topic, topicKey } = alarmTopic(this, props.stage, removalPolicy);
    this.topic = topic;
    this.topicKey = topicKey;

    const alarms: PipelineAlarm[] = [];
    for (const step of props.steps) {
      const make = this.alarmsOf(new Construct(this, pascalCase(step.name)), step.name);
      alarms.push(
        ...queueAlarms(step, make),
        ...functionAlarms(step, make),
        ...ruleAlarms(step, props.eventBus, make),
      );
    }
    alarms.push(busThrottleAlarm(props.eventBus, props.steps, this.alarmsOf(this, BUS_SUBJECT)));
    if (props.api) {
      alarms.push(
        ...apiAlarms(
          props.api,
          this.alarmsOf(new Construct(this, pascalCase(props.api.name)), props.api.name),
        ),
      );
    }
    const endpoints = props.alarmSubscriptions ?? [];
    if (endpoints.length > 0) {
      const undelivered = subscribeEndpoints(
        this,
        this.topic,
        endpoints,
        removalPolicy,
        this.alarmsOf(this, ALARM_TOPIC_SUBJECT),
      );
      this.notificationDeadLetterQueue = undelivered.deadLetterQueue;
      alarms.push(undelivered.alarm);
    }
    const action = new SnsAction(this.topic);
    for (const { alarm } of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    this.dashboard = pipelineDashboard(this, {
      stage: props.stage,
      dashboardName: props.dashboardName ?? `OrderPipeline-${props.stage}`,
      runbookUrl: this.runbookUrl,
      eventBus: props.eventBus,
      steps: props.steps,
      api: props.api,
      alarms,
    });
  }

  /** The description of an alarm: what it means, where, and its runbook section. */
  alarmDescription(kind: AlarmKind, step: string, what: string): string {
    return `[${this.stage}] ${step}: ${what}. Runbook: ${this.runbookUrl}#${RUNBOOK_SECTIONS[kind]}`;
  }

  /** Makes the alarms of `subject` under `scope`, each described with the stage and its runbook section. */
  private alarmsOf(scope: Construct, subject: string): MakeAlarm {
    return (kind: AlarmKind, metric: IMetric, what: string, threshold?: number, periods?: number) =>
      newAlarm(scope, kind, subject, metric, this.alarmDescription(kind, subject, what), threshold, periods);
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
