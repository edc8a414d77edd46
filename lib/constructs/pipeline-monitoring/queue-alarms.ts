import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ALARM_PERIOD, DLQ_AGE_ALARM_THRESHOLD, QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS } from '../../defaults';
import type { MakeAlarm, PipelineAlarm } from './alarms';
import type { MonitoredStep } from './step';

const dlqDepth = (queue: IQueue) =>
  queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' });
const oldest = (queue: IQueue) =>
  queue.metricApproximateAgeOfOldestMessage({ period: ALARM_PERIOD, statistic: 'Maximum' });

/**
 * The queues of a step: its DLQ and its rule's target DLQ hold a message (depth >= 1); the oldest message
 * of either DLQ is `DLQ_AGE_ALARM_THRESHOLD` old, days before SQS would expire it; the oldest message of
 * its queue is older than `QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS` visibility timeouts.
 */
export function queueAlarms(step: MonitoredStep, make: MakeAlarm): PipelineAlarm[] {
  const dlqWhat = 'messages the function failed to process are in its dead-letter queue';
  const targetWhat = 'events EventBridge could not deliver to the queue are in the rule target DLQ';
  const dlqAge = DLQ_AGE_ALARM_THRESHOLD.toSeconds();
  const nearExpiry = `${DLQ_AGE_ALARM_THRESHOLD.toDays()} days old, redrive it before SQS expires it`;
  const ageThreshold = step.queueVisibilityTimeout.toSeconds() * QUEUE_AGE_ALARM_VISIBILITY_TIMEOUTS;
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
  ];
}
