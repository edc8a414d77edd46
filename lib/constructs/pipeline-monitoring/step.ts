import type { Duration } from 'aws-cdk-lib';
import type { IRule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { EventConsumer } from '../event-consumer';

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
