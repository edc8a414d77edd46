import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EventConsumer } from './constructs/event-consumer';
import type { PipelineStack } from './stacks/pipeline-stack';

/**
 * Every cdk-nag finding this app acknowledges, with its reason, in one place. Each acknowledgement
 * names one rule (and, for wildcard findings, the exact resource) on the narrowest construct.
 * test/lib/nag-suppressions.test.ts proves each one still matches a real finding.
 */
export const NAG_ACKNOWLEDGEMENTS = {
  xrayWildcard: {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Tracing.ACTIVE grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
      'resource-level permissions, so their resource must be "*". Every other statement names its resource.',
  },
  functionDlq: {
    id: 'Serverless-LambdaDLQ',
    reason:
      'The function is invoked synchronously by its SQS event source mapping; a function DLQ only ' +
      'applies to asynchronous invocations. Failed messages go to the source queue’s DLQ via its redrive policy.',
  },
  eventSourceMappingDestination: {
    id: 'Serverless-LambdaEventSourceMappingDestination',
    reason:
      'On-failure destinations exist only for stream and Kafka event sources; for SQS the source ' +
      'queue’s redrive policy (maxReceiveCount 5 -> DLQ) is the failure destination.',
  },
  deadLetterQueueRedrive: {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself a dead-letter queue (the last stop: kept 14 days, with an alarm while it holds a message); a DLQ ' +
      'of a DLQ would only hide failed messages one level further away.',
  },
  targetDeadLetterQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is the EventBridge rule target’s dead-letter queue (DeadLetterConfig of the target), ' +
      'which cdk-nag does not recognise as a DLQ because no SQS redrive policy points at it.',
  },
  alarmNotificationDeadLetterQueue: {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is the dead-letter queue of the alarm topic’s SNS subscriptions (their RedrivePolicy), ' +
      'which cdk-nag does not recognise as a DLQ because no SQS redrive policy points at it.',
  },
  alarmNotificationDeadLetterQueueRedrive: {
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself a dead-letter queue (of the alarm subscriptions: kept 14 days, with an alarm ' +
      'while it holds a message); a DLQ of a DLQ would only hide undelivered notifications one level further away.',
  },
} as const;

type Acknowledgement = (typeof NAG_ACKNOWLEDGEMENTS)[keyof typeof NAG_ACKNOWLEDGEMENTS];

function acknowledge(scope: IConstruct, ...acks: Acknowledgement[]): void {
  Validations.of(scope).acknowledge(...acks.map(({ id, reason }) => ({ id, reason })));
}

function acknowledgeEventConsumer(consumer: EventConsumer): void {
  const A = NAG_ACKNOWLEDGEMENTS;
  const rolePolicy = consumer.role.node.tryFindChild('DefaultPolicy');
  if (rolePolicy) {
    acknowledge(rolePolicy, A.xrayWildcard);
  }
  acknowledge(consumer.fn, A.functionDlq, A.eventSourceMappingDestination);
  acknowledge(consumer.deadLetterQueue, A.deadLetterQueueRedrive);
  acknowledge(consumer.targetDeadLetterQueue, A.deadLetterQueueRedrive, A.targetDeadLetterQueue);
}

/** Acknowledges the findings cdk-nag reports for the pipeline stack; the data stack has none. */
export function acknowledgeNagFindings(pipeline: PipelineStack): void {
  for (const consumer of Object.values(pipeline.consumers)) {
    acknowledgeEventConsumer(consumer);
  }
  const notifications = pipeline.monitoring.notificationDeadLetterQueue;
  if (notifications) {
    const A = NAG_ACKNOWLEDGEMENTS;
    acknowledge(notifications, A.alarmNotificationDeadLetterQueue, A.alarmNotificationDeadLetterQueueRedrive);
  }
}
