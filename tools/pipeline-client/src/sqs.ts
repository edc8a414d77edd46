import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** SQS building blocks of the DLQ commands: depth, peeking without consuming, batch delete and release. */

/** SQS returns at most 10 messages per receive and takes at most 10 entries per batch call. */
export const SQS_BATCH = 10;

/**
 * How long a peeked message stays hidden while the CLI reads the rest: long enough to gather a page of
 * messages, short enough that a CLI killed mid-way leaves them visible again within seconds.
 */
export const PEEK_VISIBILITY_SECONDS = 20;

/** A 1 s long poll asks every SQS server, so an empty answer means empty (a short poll samples a few). */
export const RECEIVE_WAIT_SECONDS = 1;

export interface QueueDepth {
  readonly arn: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'QueueArn',
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = res.Attributes ?? {};
  return {
    arn: a.QueueArn ?? '',
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Receives up to `max` messages with every attribute, hidden for `visibilitySeconds`. */
export async function receive(
  sqs: SQSClient,
  url: string,
  max: number,
  visibilitySeconds: number,
): Promise<Message[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: Math.max(1, Math.min(SQS_BATCH, max)),
      VisibilityTimeout: visibilitySeconds,
      WaitTimeSeconds: RECEIVE_WAIT_SECONDS,
      // Both spellings: newer endpoints read the first, older emulators only the second.
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return res.Messages ?? [];
}

function chunks<T>(items: readonly T[], size = SQS_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Makes received messages visible again at once. Returns how many could not be released. */
export async function release(
  sqs: SQSClient,
  url: string,
  receiptHandles: readonly string[],
): Promise<number> {
  let failed = 0;
  for (const batch of chunks(receiptHandles)) {
    const res = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: batch.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
    failed += res.Failed?.length ?? 0;
  }
  return failed;
}

/** Deletes received messages; returns the receipt handles that were not deleted. */
export async function deleteMessages(
  sqs: SQSClient,
  url: string,
  receiptHandles: readonly string[],
): Promise<string[]> {
  const notDeleted: string[] = [];
  for (const batch of chunks(receiptHandles)) {
    const res = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: batch.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
      }),
    );
    for (const f of res.Failed ?? []) {
      const handle = batch[Number(f.Id)];
      if (handle !== undefined) notDeleted.push(handle);
    }
  }
  return notDeleted;
}

export interface PeekResult {
  readonly messages: Message[];
  /** Messages that could not be made visible again (they reappear after PEEK_VISIBILITY_SECONDS). */
  readonly notReleased: number;
}

/**
 * Reads up to `limit` messages without removing them: receives them with a short visibility timeout,
 * then sets their visibility back to 0 so they stay in the queue, visible, as before. Each peek counts
 * as a receive (ApproximateReceiveCount goes up by one), which a DLQ, having no redrive policy, ignores.
 */
export async function peek(sqs: SQSClient, url: string, limit: number): Promise<PeekResult> {
  const byId = new Map<string, Message>();
  const handles: string[] = [];
  let notReleased = 0;
  try {
    while (byId.size < limit) {
      const batch = await receive(sqs, url, limit - byId.size, PEEK_VISIBILITY_SECONDS);
      let fresh = 0;
      for (const m of batch) {
        if (m.ReceiptHandle) handles.push(m.ReceiptHandle);
        if (m.MessageId && !byId.has(m.MessageId)) {
          byId.set(m.MessageId, m);
          fresh += 1;
        }
      }
      // Empty, or only messages seen before (their visibility ran out): everything visible was read.
      if (fresh === 0) break;
    }
  } finally {
    notReleased = await release(sqs, url, handles);
  }
  return { messages: [...byId.values()].slice(0, limit), notReleased };
}
