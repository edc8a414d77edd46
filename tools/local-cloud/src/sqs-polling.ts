import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalSqsMapping } from './lambda-discovery';

/**
 * The SQS side of the Lambda service's poller: receive a batch within the mapping's batching window,
 * delete what succeeded, hand back what was gathered but never invoked.
 */

/**
 * Lambda waits up to 20 s per ReceiveMessage. Locally a shorter wait keeps stop() quick; an idle
 * poller then asks the emulator once every 2 s, which costs nothing that matters.
 */
const LONG_POLL_SECONDS = 2;

/** SQS returns at most 10 messages per ReceiveMessage and deletes at most 10 per batch call. */
const SQS_MAX_BATCH = 10;

/** Between short polls while a batching window is still open. */
const WINDOW_POLL_MS = 50;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GatheredBatch {
  readonly batch: Message[];
  /** When the first message of the batch arrived (epoch ms). */
  readonly firstAt: number;
}

/** How a gathering poller learns that the runner stops, and counts its empty receives. */
export interface GatherControl {
  isStopping(): boolean;
  /** A ReceiveMessage request returned nothing (an idle poller, the tail of a batching window). */
  onEmptyReceive(): void;
}

async function receive(
  sqs: SQSClient,
  mapping: LocalSqsMapping,
  max: number,
  waitSeconds: number,
  control: GatherControl,
): Promise<Message[]> {
  const res = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: mapping.queueUrl,
      MaxNumberOfMessages: Math.min(SQS_MAX_BATCH, max),
      WaitTimeSeconds: waitSeconds,
      // ApproximateReceiveCount and the other system attributes, as Lambda requests them.
      MessageSystemAttributeNames: ['All'],
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  if (!res.Messages?.length) control.onEmptyReceive();
  return res.Messages ?? [];
}

/** One batch: the first message by long poll, then more until the batch is full or the window closes. */
export async function gatherBatch(
  sqs: SQSClient,
  mapping: LocalSqsMapping,
  control: GatherControl,
): Promise<GatheredBatch> {
  const batch = await receive(sqs, mapping, mapping.batchSize, LONG_POLL_SECONDS, control);
  const firstAt = Date.now();
  if (batch.length === 0) return { batch, firstAt };
  const windowEnd = firstAt + mapping.maxBatchingWindowSeconds * 1000;
  while (batch.length < mapping.batchSize && !control.isStopping()) {
    const remaining = windowEnd - Date.now();
    if (remaining <= 0) break;
    // moto re-checks a long poll's deadline only once per second, so a wait of N s can last N + 1 s:
    // long-poll only while that still ends inside the window, then short-poll to its end.
    const wait = remaining >= 3000 ? Math.floor(remaining / 1000) - 1 : 0;
    const more = await receive(sqs, mapping, mapping.batchSize - batch.length, wait, control);
    for (const message of more) addOrRefresh(batch, message);
    if (more.length === 0 && wait === 0) await sleep(Math.min(remaining, WINDOW_POLL_MS));
  }
  return { batch, firstAt };
}

/**
 * Adds a received message to the batch being gathered. A message can come back while the batch is
 * still open (its visibility timeout ran out under load, or the emulator hands it out twice); Lambda
 * never puts one message twice in a batch, and only the newest receipt handle can delete it.
 */
function addOrRefresh(batch: Message[], message: Message): void {
  const index = batch.findIndex((m) => m.MessageId === message.MessageId);
  if (index === -1) batch.push(message);
  else batch[index] = message;
}

/** Makes gathered but unprocessed messages visible again at once, instead of after the visibility timeout. */
export async function releaseMessages(sqs: SQSClient, queueUrl: string, batch: Message[]): Promise<void> {
  for (let i = 0; i < batch.length; i += SQS_MAX_BATCH) {
    const chunk = batch.slice(i, i + SQS_MAX_BATCH);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined);
  }
}

/** Deletes `messages` in batches of ten; counts what was deleted and what was not. */
export async function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<{ deleted: number; deleteFailures: number }> {
  let deleted = 0;
  let deleteFailures = 0;
  for (let i = 0; i < messages.length; i += SQS_MAX_BATCH) {
    const chunk = messages.slice(i, i + SQS_MAX_BATCH);
    try {
      const res = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      deleted += res.Successful?.length ?? 0;
      deleteFailures += res.Failed?.length ?? 0;
    } catch {
      // The messages stay and come back after the visibility timeout: at-least-once, as on AWS.
      deleteFailures += chunk.length;
    }
  }
  return { deleted, deleteFailures };
}
