import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EventConsumer } from './constructs/event-consumer';
import type { OrderApi } from './constructs/order-api';
import type { CiAccessStack } from './stacks/ci-access-stack';
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
  apiFunctionDlq: {
    id: 'Serverless-LambdaDLQ',
    reason:
      'The function is invoked synchronously by API Gateway; a function DLQ only applies to asynchronous ' +
      'invocations. A failed request is answered with a problem and the client retries it with the same Idempotency-Key.',
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

interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

const PULL_REQUEST_STAGE_REASON =
  'Pull request stages are deployed and destroyed per pull request, and CloudFormation generates their ' +
  'table, queue, function and log group names from the stack name: the OrderPipeline-pr- prefix names ' +
  'exactly the resources of those stages, and the integration suite gets item-level actions on them only.';

/** One acknowledgement per wildcard resource of the test role: never the whole IAM5 rule. */
function pullRequestStageResource(resource: string): Acknowledgement {
  return { id: `AwsSolutions-IAM5[Resource::${resource}]`, reason: PULL_REQUEST_STAGE_REASON };
}

/** The findings of the CI access stack (bin/ci-access.ts), acknowledged like the pipeline's. */
export const CI_ACCESS_NAG_ACKNOWLEDGEMENTS = {
  bootstrapRoles: {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-*]',
    reason:
      'The CDK CLI assumes the bootstrap roles (deploy, file and image publishing, lookup) of each region ' +
      'the account is bootstrapped in; their names end in the region, so the qualifier prefix names them all ' +
      'and nothing else.',
  },
  pullRequestBuses: pullRequestStageResource(
    'arn:<AWS::Partition>:events:*:<AWS::AccountId>:event-bus/OrderPipeline-pr-*',
  ),
  pullRequestTables: pullRequestStageResource(
    'arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/OrderPipeline-pr-*',
  ),
  pullRequestQueues: pullRequestStageResource(
    'arn:<AWS::Partition>:sqs:*:<AWS::AccountId>:OrderPipeline-pr-*',
  ),
  pullRequestFunctions: pullRequestStageResource(
    'arn:<AWS::Partition>:lambda:*:<AWS::AccountId>:function:OrderPipeline-pr-*',
  ),
  pullRequestLogGroups: pullRequestStageResource(
    'arn:<AWS::Partition>:logs:*:<AWS::AccountId>:log-group:OrderPipeline-pr-*',
  ),
} as const;

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

function acknowledgeOrderApi(api: OrderApi): void {
  const A = NAG_ACKNOWLEDGEMENTS;
  for (const role of [api.placeOrderRole, api.getOrderRole]) {
    const rolePolicy = role.node.tryFindChild('DefaultPolicy');
    if (rolePolicy) acknowledge(rolePolicy, A.xrayWildcard);
  }
  acknowledge(api.placeOrder, A.apiFunctionDlq);
  acknowledge(api.getOrder, A.apiFunctionDlq);
}

/** Acknowledges the findings cdk-nag reports for the pipeline stack; the data stack has none. */
export function acknowledgeNagFindings(pipeline: PipelineStack): void {
  for (const consumer of Object.values(pipeline.consumers)) {
    acknowledgeEventConsumer(consumer);
  }
  acknowledgeOrderApi(pipeline.api);
  const notifications = pipeline.monitoring.notificationDeadLetterQueue;
  if (notifications) {
    const A = NAG_ACKNOWLEDGEMENTS;
    acknowledge(notifications, A.alarmNotificationDeadLetterQueue, A.alarmNotificationDeadLetterQueueRedrive);
  }
}

/** The CI stack's wildcards: the bootstrap roles, and the resources of pull request stages. */
export function acknowledgeCiAccessFindings(stack: CiAccessStack): void {
  const { bootstrapRoles, ...pullRequestStages } = CI_ACCESS_NAG_ACKNOWLEDGEMENTS;
  const deployPolicy = stack.deployRole.node.tryFindChild('DefaultPolicy');
  if (deployPolicy) acknowledge(deployPolicy, bootstrapRoles);
  const testPolicy = stack.testRole?.node.tryFindChild('DefaultPolicy');
  if (testPolicy) acknowledge(testPolicy, ...Object.values(pullRequestStages));
}
