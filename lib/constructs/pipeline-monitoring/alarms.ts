import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

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

/** What the alarms on the bus as a whole (not on one step) name as their subject. */
export const BUS_SUBJECT = 'event-bus';
/** What the alarm on undelivered notifications names as its subject. */
export const ALARM_TOPIC_SUBJECT = 'alarm-topic';

/** An alarm of the monitoring, with what it watches. */
export interface PipelineAlarm {
  readonly kind: AlarmKind;
  /** The step it watches, or BUS_SUBJECT for an alarm on the bus as a whole. */
  readonly step: string;
  readonly alarm: Alarm;
}

/**
 * Makes one alarm of a subject (a step, the API, the bus): its construct id is the kind, its
 * description says `what` it means. One datapoint at or above `threshold` (default 1) in each of
 * `periods` (default 1) periods alarms.
 */
export type MakeAlarm = (
  kind: AlarmKind,
  metric: IMetric,
  what: string,
  threshold?: number,
  periods?: number,
) => PipelineAlarm;

/**
 * One datapoint at or above the threshold in one period alarms; no datapoint means nothing happened
 * (SQS, Lambda and EventBridge publish only on activity).
 */
export function newAlarm(
  scope: Construct,
  kind: AlarmKind,
  subject: string,
  metric: IMetric,
  alarmDescription: string,
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
      alarmDescription,
    }),
  };
}

/** The construct id of a kebab-case name (a step, an alarm kind): `validate-order` -> `ValidateOrder`. */
export function pascalCase(name: string): string {
  return name
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
