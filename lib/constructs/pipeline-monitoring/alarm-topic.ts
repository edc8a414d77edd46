import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopicSubscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_PERIOD, DLQ_RETENTION } from '../../defaults';
import type { MakeAlarm, PipelineAlarm } from './alarms';

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

/** The stage's alarm topic, encrypted with a key of its own that CloudWatch may use. */
export function alarmTopic(
  scope: Construct,
  stage: string,
  removalPolicy: RemovalPolicy,
): { topic: Topic; topicKey: Key } {
  const stack = Stack.of(scope);
  // A customer managed key: CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key,
  // whose policy cannot be changed to let it in.
  const topicKey = new Key(scope, 'AlarmTopicKey', {
    description: `Encrypts the ${stage} order pipeline alarm topic`,
    enableKeyRotation: true,
    removalPolicy,
  });
  const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  topicKey.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsPublishToTheTopic',
      effect: Effect.ALLOW,
      principals: [cloudWatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  const topic = new Topic(scope, 'AlarmTopic', {
    displayName: `Order pipeline alarms (${stage})`,
    masterKey: topicKey,
    enforceSSL: true,
  });
  // Only this account's alarms may publish (confused-deputy protection).
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      effect: Effect.ALLOW,
      principals: [cloudWatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
  return { topic, topicKey };
}

/**
 * Subscribes the endpoints to the topic. What SNS cannot deliver to them waits in a dead-letter queue,
 * whose first message alarms.
 */
export function subscribeEndpoints(
  scope: Construct,
  topic: Topic,
  endpoints: readonly string[],
  removalPolicy: RemovalPolicy,
  make: MakeAlarm,
): { deadLetterQueue: Queue; alarm: PipelineAlarm } {
  const deadLetterQueue = new Queue(scope, 'NotificationDeadLetterQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DLQ_RETENTION,
    removalPolicy,
  });
  for (const endpoint of endpoints) {
    topic.addSubscription(alarmSubscription(endpoint, deadLetterQueue));
  }
  const alarm = make(
    'alarmNotificationsUndelivered',
    deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
    'SNS could not deliver alarm notifications to a subscribed endpoint; they wait in its dead-letter queue',
  );
  return { deadLetterQueue, alarm };
}
