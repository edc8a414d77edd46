import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequest,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchRequest,
  GetQueueAttributesCommand,
  type GetQueueAttributesRequest,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type ReceiveMessageRequest,
  SendMessageBatchCommand,
  type SendMessageBatchRequest,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { cfnMock } from '../../../pipeline-client/test/support/fake-stage';
import { type OpsClients, runOps } from '../../src/program';

// The stage's stacks and dead letters as the pipeline client's tests fake them: one CloudFormation mock for all.
export {
  cfnMock,
  DATA_OUTPUTS,
  eventBody,
  mockStacks,
  PIPELINE_OUTPUTS,
  QUEUE_BASE,
  url,
} from '../../../pipeline-client/test/support/fake-stage';

/** Mocks of every client the ops CLI uses (aws-sdk-client-mock replaces `send` of every instance). */
export const sqsMock = mockClient(SQSClient);
export const eventsMock = mockClient(EventBridgeClient);
export const cloudwatchMock = mockClient(CloudWatchClient);
export const lambdaMock = mockClient(LambdaClient);
export const ssmMock = mockClient(SSMClient);
export const stsMock = mockClient(STSClient);
export const ddbMock = mockClient(DynamoDBDocumentClient);

export function mockedClients(): OpsClients {
  const config = { region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  return {
    sqs: new SQSClient(config),
    events: new EventBridgeClient(config),
    cfn: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly sentAt: number;
  receiveCount: number;
  invisibleUntil: number;
  handle?: string;
}

/** A few queues in memory, behaving as SQS does for what the CLI calls (visibility, receipt handles, batches). */
export class FakeSqs {
  readonly queues = new Map<string, StoredMessage[]>();
  private seq = 0;
  /** Every call in order, e.g. `send validate-queue 2`, `delete validate-dlq 2`. */
  readonly log: string[] = [];
  /** Message bodies SendMessageBatch refuses. */
  readonly refuseBodies = new Set<string>();

  constructor(private readonly now: () => number) {}

  add(
    queueUrl: string,
    body: string,
    options: {
      attributes?: Record<string, MessageAttributeValue>;
      sentAt?: number;
      receiveCount?: number;
    } = {},
  ): string {
    const id = `m-${++this.seq}`;
    const list = this.queues.get(queueUrl) ?? [];
    list.push({
      id,
      body,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      sentAt: options.sentAt ?? this.now(),
      receiveCount: options.receiveCount ?? 0,
      invisibleUntil: 0,
    });
    this.queues.set(queueUrl, list);
    return id;
  }

  messages(queueUrl: string): readonly StoredMessage[] {
    return this.queues.get(queueUrl) ?? [];
  }

  visible(queueUrl: string): number {
    return this.messages(queueUrl).filter((m) => m.invisibleUntil <= this.now()).length;
  }

  install(): void {
    sqsMock.on(GetQueueAttributesCommand).callsFake((i: GetQueueAttributesRequest) => {
      const all = this.messages(i.QueueUrl ?? '');
      const name = (i.QueueUrl ?? '').split('/').pop();
      return {
        Attributes: {
          QueueArn: `arn:aws:sqs:eu-west-1:111111111111:${name}`,
          ApproximateNumberOfMessages: String(this.visible(i.QueueUrl ?? '')),
          ApproximateNumberOfMessagesNotVisible: String(all.length - this.visible(i.QueueUrl ?? '')),
          ApproximateNumberOfMessagesDelayed: '0',
        },
      };
    });
    sqsMock.on(ReceiveMessageCommand).callsFake((i: ReceiveMessageRequest) => {
      const now = this.now();
      const picked = this.messages(i.QueueUrl ?? '')
        .filter((m) => m.invisibleUntil <= now)
        .slice(0, i.MaxNumberOfMessages ?? 1);
      this.log.push(`receive ${short(i.QueueUrl)} ${picked.length}`);
      const messages: Message[] = picked.map((m) => {
        m.receiveCount += 1;
        m.invisibleUntil = now + (i.VisibilityTimeout ?? 30) * 1000;
        m.handle = `${m.id}-h${m.receiveCount}`;
        return {
          MessageId: m.id,
          ReceiptHandle: m.handle,
          Body: m.body,
          Attributes: {
            SentTimestamp: String(m.sentAt),
            ApproximateReceiveCount: String(m.receiveCount),
            ApproximateFirstReceiveTimestamp: String(m.sentAt + 1000),
          },
          ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
        };
      });
      return { Messages: messages };
    });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake((i: ChangeMessageVisibilityBatchRequest) => {
      const list = this.messages(i.QueueUrl ?? '');
      const failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
      for (const e of i.Entries ?? []) {
        const m = list.find((x) => x.handle === e.ReceiptHandle);
        if (m) m.invisibleUntil = this.now() + (e.VisibilityTimeout ?? 0) * 1000;
        else failed.push({ Id: e.Id ?? '', Code: 'ReceiptHandleIsInvalid', SenderFault: true });
      }
      this.log.push(`release ${short(i.QueueUrl)} ${(i.Entries ?? []).length - failed.length}`);
      return { Successful: [], Failed: failed };
    });
    sqsMock.on(DeleteMessageBatchCommand).callsFake((i: DeleteMessageBatchRequest) => {
      const list = this.messages(i.QueueUrl ?? '');
      const handles = new Set((i.Entries ?? []).map((e) => e.ReceiptHandle));
      const kept = list.filter((m) => !handles.has(m.handle));
      this.queues.set(i.QueueUrl ?? '', kept);
      this.log.push(`delete ${short(i.QueueUrl)} ${list.length - kept.length}`);
      return { Successful: (i.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
    });
    sqsMock.on(SendMessageBatchCommand).callsFake((i: SendMessageBatchRequest) => {
      const successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
      const failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[] = [];
      for (const e of i.Entries ?? []) {
        if (this.refuseBodies.has(e.MessageBody ?? '')) {
          failed.push({
            Id: e.Id ?? '',
            Code: 'InternalError',
            Message: 'refused by the test',
            SenderFault: false,
          });
          continue;
        }
        const id = this.add(
          i.QueueUrl ?? '',
          e.MessageBody ?? '',
          e.MessageAttributes ? { attributes: e.MessageAttributes } : {},
        );
        successful.push({ Id: e.Id ?? '', MessageId: id, MD5OfMessageBody: '' });
      }
      this.log.push(`send ${short(i.QueueUrl)} ${successful.length}`);
      return { Successful: successful, Failed: failed };
    });
  }
}

function short(queueUrl: string | undefined): string {
  return (queueUrl ?? '').split('/').pop() ?? '';
}

/** A writable that records what it gets, as a terminal (isTTY) or a pipe. */
export function capture(isTTY = false) {
  const chunks: string[] = [];
  return {
    isTTY,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(''),
  };
}

/**
 * `npm run ops -- <argv>` against the mocked clients, with no environment and on the given clock: its exit
 * code and what it printed.
 */
export async function runMockedOps(
  argv: string,
  clock: { readonly now: () => Date; readonly sleep: (ms: number) => Promise<void> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await runOps(argv.split(' '), {
    io: { stdout, stderr },
    env: {},
    clients: () => mockedClients(),
    ...clock,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export function resetMocks(): void {
  sqsMock.reset();
  eventsMock.reset();
  cfnMock.reset();
  cloudwatchMock.reset();
  lambdaMock.reset();
  ssmMock.reset();
  stsMock.reset();
  ddbMock.reset();
}
