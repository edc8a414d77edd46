import {
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueue } from './discovery';
import { describeError, PipelineClientError, UsageError } from './errors';
import { type MessageSummary, parseEventBody, summariseMessage } from './messages';
import { deleteMessages, peek, queueDepth, receive, release, SQS_BATCH } from './sqs';

/** Redrive of a dead-letter queue: SQS move task, or receive / re-send / delete by the CLI. */

/** Progress of long work; a command line shows a bar, tests and scripts pass a silent one. */
export interface Progress {
  start(total: number, label: string): void;
  update(value: number): void;
  stop(): void;
}

/** What a redrive needs; a command line builds it, unit tests pass mocks and fakes. */
export interface RedriveContext {
  readonly sqs: SQSClient;
  /** An endpoint is set (LocalStack, moto): maybe no move tasks. */
  readonly isEmulator: boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: Progress;
  /** Notes for the operator while working (method chosen, fallbacks). */
  readonly note: (line: string) => void;
}

export type RedriveMethod = 'auto' | 'move-task' | 'resend';

export interface RedriveOptions {
  readonly dryRun: boolean;
  /** Messages per second; undefined = as fast as the endpoint takes them. */
  readonly rate?: number;
  /** Source DLQs only: a move task (SQS moves them), or receive / re-send / delete by the CLI. */
  readonly method: RedriveMethod;
  /** How many messages a dry run shows. */
  readonly sample: number;
}

export interface FailedMessage {
  readonly messageId: string;
  readonly reason: string;
}

export interface RedriveOutcome {
  readonly dlq: DeadLetterQueue;
  /** What was done: SQS move task, or re-send to the source queue (always, for a rule-target DLQ). */
  readonly method: 'move-task' | 'resend';
  readonly dryRun: boolean;
  /** Messages in the DLQ when the redrive started. */
  readonly found: number;
  /** Messages back on their way (moved, re-sent or put on the bus) and removed from the DLQ. */
  readonly redriven: number;
  /** Left in the DLQ, with why. */
  readonly failed: readonly FailedMessage[];
  /** Re-sent but still in the DLQ (its delete failed): a later redrive sends it again, which dedup absorbs. */
  readonly notDeleted: number;
  /** Dry runs: what would be redriven. */
  readonly sample?: readonly MessageSummary[];
  readonly moveTask?: { readonly status: string; readonly failureReason?: string };
}

export function redriveSucceeded(o: RedriveOutcome): boolean {
  return (
    o.failed.length === 0 &&
    o.notDeleted === 0 &&
    (o.moveTask === undefined || o.moveTask.status === 'COMPLETED')
  );
}

/**
 * An operation the endpoint does not implement: moto answers StartMessageMoveTask with a 500 HTML page
 * (NotImplementedError), other emulators with an error code. Only consulted for emulator endpoints.
 */
export function isNotImplemented(err: unknown): boolean {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const names = [
    'UnsupportedOperation',
    'AWS.SimpleQueueService.UnsupportedOperation',
    'InvalidAction',
    'UnknownOperationException',
    'NotImplemented',
    'NotImplementedException',
  ];
  if (e.name && names.includes(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 501) return true;
  return (
    status === 500 &&
    /not valid JSON|Deserialization error|Unexpected token|NotImplemented/i.test(e.message ?? '')
  );
}

/** Paces work to `rate` items per second. */
class Pacer {
  private readonly startedAt: number;
  private done = 0;
  constructor(
    private readonly ctx: Pick<RedriveContext, 'now' | 'sleep'>,
    private readonly rate: number | undefined,
  ) {
    this.startedAt = ctx.now().getTime();
  }
  /** How many to take next (at most a batch; one second's worth when the rate is lower). */
  batchSize(): number {
    return this.rate === undefined ? SQS_BATCH : Math.max(1, Math.min(SQS_BATCH, Math.floor(this.rate)));
  }
  async after(count: number): Promise<void> {
    this.done += count;
    if (this.rate === undefined) return;
    const due = this.startedAt + (this.done / this.rate) * 1000;
    const wait = due - this.ctx.now().getTime();
    if (wait > 0) await this.ctx.sleep(wait);
  }
}

/** Long enough to re-send a batch and delete it; a CLI killed in between leaves the batch in the DLQ. */
const REDRIVE_VISIBILITY_SECONDS = 60;

async function drain(
  ctx: RedriveContext,
  dlq: DeadLetterQueue,
  found: number,
  rate: number | undefined,
  forward: (messages: readonly Message[]) => Promise<{ sent: Message[]; failed: FailedMessage[] }>,
): Promise<{ redriven: number; failed: FailedMessage[]; notDeleted: number }> {
  const pacer = new Pacer(ctx, rate);
  const failed: FailedMessage[] = [];
  const attempted = new Set<string>();
  // Messages that could not be forwarded stay hidden until the end, so the loop does not meet them
  // again; then they are made visible for the next attempt. Latest receipt handle per message id.
  const held = new Map<string, string>();
  let redriven = 0;
  let notDeleted = 0;
  ctx.progress.start(found, `redrive ${dlq.name}`);
  try {
    // Only the messages there at the start: one that fails again and returns is for the next redrive.
    while (attempted.size < found) {
      const received = await receive(
        ctx.sqs,
        dlq.url,
        Math.min(pacer.batchSize(), found - attempted.size),
        REDRIVE_VISIBILITY_SECONDS,
      );
      if (received.length === 0) break;
      const batch: Message[] = [];
      for (const m of received) {
        const id = m.MessageId ?? '';
        if (attempted.has(id)) {
          if (m.ReceiptHandle) held.set(id, m.ReceiptHandle);
        } else {
          attempted.add(id);
          batch.push(m);
        }
      }
      if (batch.length === 0) continue;
      const result = await forward(batch);
      // Delete only what the destination accepted: never before the re-send succeeded.
      const notDeletedHandles = await deleteMessages(
        ctx.sqs,
        dlq.url,
        result.sent.map((m) => m.ReceiptHandle ?? ''),
      );
      notDeleted += notDeletedHandles.length;
      redriven += result.sent.length - notDeletedHandles.length;
      failed.push(...result.failed);
      const sentIds = new Set(result.sent.map((m) => m.MessageId));
      for (const m of batch) {
        if (!sentIds.has(m.MessageId) && m.ReceiptHandle) held.set(m.MessageId ?? '', m.ReceiptHandle);
      }
      ctx.progress.update(attempted.size);
      await pacer.after(batch.length);
    }
  } finally {
    ctx.progress.stop();
    await release(ctx.sqs, dlq.url, [...held.values()]);
  }
  return { redriven, failed, notDeleted };
}

/** SQS message attributes as SendMessage takes them (the received shape has extra list fields). */
function attributesToSend(m: Message): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(m.MessageAttributes ?? {}).map(([name, v]) => [
    name,
    {
      DataType: v.DataType,
      ...(v.StringValue === undefined ? {} : { StringValue: v.StringValue }),
      ...(v.BinaryValue === undefined ? {} : { BinaryValue: v.BinaryValue }),
    } as MessageAttributeValue,
  ]);
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/**
 * Re-sends each message to the step's queue, then deletes it. A rule-target DLQ holds the event exactly as
 * the queue would have received it, so it goes to that queue too, never back on the bus: the bus policy
 * refuses the pipeline's sources to anyone but their functions, and the bus would fan the event out to
 * every rule again. A target-DLQ message that is not an event stays where it is, with the reason.
 */
async function resendToSource(ctx: RedriveContext, dlq: DeadLetterQueue, found: number, rate?: number) {
  const target = dlq.sourceQueueUrl;
  if (!target)
    throw new PipelineClientError(`${dlq.name}: no source queue output (<Step>QueueUrl) to redrive to.`);
  return drain(ctx, dlq, found, rate, async (received) => {
    const failed: FailedMessage[] = [];
    const messages = received.filter((m) => {
      if (dlq.kind !== 'target') return true;
      const { problem } = parseEventBody(m.Body);
      if (problem !== undefined)
        failed.push({ messageId: m.MessageId ?? '', reason: `left in the DLQ: ${problem}` });
      return problem === undefined;
    });
    if (messages.length === 0) return { sent: [], failed };
    const res = await ctx.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: target,
        Entries: messages.map((m, i) => {
          const attributes = attributesToSend(m);
          return {
            Id: String(i),
            MessageBody: m.Body ?? '',
            ...(attributes ? { MessageAttributes: attributes } : {}),
          };
        }),
      }),
    );
    const ok = new Set((res.Successful ?? []).map((s) => s.Id));
    const failures = new Map(
      (res.Failed ?? []).map((f) => [f.Id, `${f.Code ?? 'error'}: ${f.Message ?? ''}`.trim()]),
    );
    return {
      sent: messages.filter((_, i) => ok.has(String(i))),
      failed: [
        ...failed,
        ...messages
          .map((m, i) => ({ m, i }))
          .filter(({ i }) => !ok.has(String(i)))
          .map(({ m, i }) => ({
            messageId: m.MessageId ?? '',
            reason: `SendMessage to the source queue refused it (${failures.get(String(i)) ?? 'no result entry'})`,
          })),
      ],
    };
  });
}

const MOVE_TASK_POLL_MS = 2_000;
const MOVE_TASK_DONE = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

async function moveTask(
  ctx: RedriveContext,
  dlq: DeadLetterQueue,
  dlqArn: string,
  found: number,
  rate?: number,
) {
  if (!dlq.sourceQueueUrl)
    throw new PipelineClientError(`${dlq.name}: no source queue output (<Step>QueueUrl) to redrive to.`);
  const destination = await queueDepth(ctx.sqs, dlq.sourceQueueUrl);
  const started = await ctx.sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: dlqArn,
      DestinationArn: destination.arn,
      ...(rate === undefined
        ? {}
        : { MaxNumberOfMessagesPerSecond: Math.max(1, Math.min(500, Math.floor(rate))) }),
    }),
  );
  ctx.note(`started SQS move task ${started.TaskHandle ?? ''} from ${dlq.name} to its source queue`);
  ctx.progress.start(found, `redrive ${dlq.name}`);
  try {
    for (;;) {
      const res = await ctx.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
      const task =
        (res.Results ?? []).find((t) => !started.TaskHandle || t.TaskHandle === started.TaskHandle) ??
        res.Results?.[0];
      const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
      ctx.progress.update(moved);
      if (task?.Status && MOVE_TASK_DONE.has(task.Status)) {
        return {
          redriven: moved,
          status: task.Status,
          ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
        };
      }
      await ctx.sleep(MOVE_TASK_POLL_MS);
    }
  } finally {
    ctx.progress.stop();
  }
}

export async function redriveDlq(
  ctx: RedriveContext,
  dlq: DeadLetterQueue,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  if (options.rate !== undefined && !(options.rate > 0)) {
    throw new UsageError(`--rate must be a positive number of messages per second, got ${options.rate}.`);
  }
  if (dlq.kind === 'target' && options.method !== 'auto') {
    throw new UsageError(
      `--method applies to queue DLQs only: ${dlq.name} holds events EventBridge could not deliver, which are re-sent to the step's queue.`,
    );
  }
  const depth = await queueDepth(ctx.sqs, dlq.url);
  const found = depth.visible;
  let method: RedriveOutcome['method'] =
    dlq.kind === 'target' || options.method === 'resend' ? 'resend' : 'move-task';
  const base = { dlq, dryRun: options.dryRun, found, failed: [], notDeleted: 0, redriven: 0 };

  if (options.dryRun) {
    const { messages } = await peek(ctx.sqs, dlq.url, Math.min(options.sample, Math.max(found, 1)));
    return { ...base, method, sample: messages.map((m) => summariseMessage(m, dlq.kind, dlq.step)) };
  }
  if (found === 0) return { ...base, method };

  if (method === 'move-task') {
    try {
      const task = await moveTask(ctx, dlq, depth.arn, found, options.rate);
      return {
        ...base,
        method,
        redriven: task.redriven,
        moveTask: {
          status: task.status,
          ...(task.failureReason ? { failureReason: task.failureReason } : {}),
        },
      };
    } catch (err) {
      if (!(options.method === 'auto' && ctx.isEmulator && isNotImplemented(err))) {
        throw new PipelineClientError(
          `StartMessageMoveTask failed for ${dlq.name}: ${describeError(err)}` +
            (options.method === 'move-task' || !ctx.isEmulator
              ? ' (retry with --method resend to re-send the messages from this machine)'
              : ''),
        );
      }
      ctx.note(
        `this endpoint does not implement SQS move tasks: re-sending each message to the source queue, then deleting it`,
      );
      method = 'resend';
    }
  }
  return { ...base, method, ...(await resendToSource(ctx, dlq, found, options.rate)) };
}
