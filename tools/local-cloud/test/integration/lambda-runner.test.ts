import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type Deployment, deployApp, stackOutput } from '../../src/deploy';
import { type Emulator, startEmulator } from '../../src/emulator';
import {
  discoverSqsMappings,
  type InvocationReport,
  LocalLambdaRunner,
  type LocalSqsMapping,
} from '../../src/lambda-runner';
import { eventually } from '../../src/poll';
import { writeMiniAssembly } from './support/mini-app';

/**
 * The Lambda runner against moto: what it deletes, what comes back after the visibility timeout, what
 * the queue's redrive policy dead-letters. Each scenario has its own queue and function.
 */

const CONSUMERS = [
  { name: 'Idle' },
  { name: 'Partial', windowSeconds: 1, maxConcurrency: 2, maxReceiveCount: 2 },
  { name: 'Throws', maxConcurrency: 2, maxReceiveCount: 5 },
  { name: 'Malformed', windowSeconds: 1, maxConcurrency: 2, maxReceiveCount: 5 },
  { name: 'Hangs', maxConcurrency: 2, timeoutSeconds: 1, maxReceiveCount: 5 },
  { name: 'Batches', windowSeconds: 2, maxConcurrency: 2 },
  { name: 'Node24', runtime: 'nodejs24.x' },
];

let emulator: Emulator;
let deployment: Deployment;
let mappings: LocalSqsMapping[];
let assembly: string;
let sqs: SQSClient;
let events: EventBridgeClient;
let runner: LocalLambdaRunner | undefined;
const runId = randomUUID().slice(0, 8);

beforeAll(async () => {
  emulator = await startEmulator();
  assembly = writeMiniAssembly(CONSUMERS);
  deployment = await deployApp({ emulator, assemblyDirectory: assembly });
  mappings = await discoverSqsMappings(deployment, emulator);
  sqs = new SQSClient(emulator.clientConfig);
  events = new EventBridgeClient(emulator.clientConfig);
});

afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

afterAll(async () => {
  sqs?.destroy();
  events?.destroy();
  await emulator?.stop();
  if (assembly) rmSync(assembly, { recursive: true, force: true });
});

/** Puts one event per action on the bus, routed to `consumer`'s queue; returns their ids. */
async function publish(consumer: string, actions: readonly string[]): Promise<string[]> {
  const ids = actions.map((action, i) => `${runId}-${consumer}-${i}-${action}`);
  const res = await events.send(
    new PutEventsCommand({
      Entries: ids.map((id, i) => ({
        EventBusName: stackOutput(deployment, 'BusName'),
        Source: 'local.mini',
        DetailType: consumer,
        Detail: JSON.stringify({ id, action: actions[i] }),
      })),
    }),
  );
  expect(res.FailedEntryCount).toBe(0);
  return ids;
}

/** Starts a runner for one consumer; its reports are collected with the body id of each record. */
function run(
  consumer: string,
  maxConcurrencyPerMapping?: number,
  onLog?: (line: string) => void,
): InvocationReport[] {
  const mapping = mappings.find((m) => m.function.shortName === consumer);
  if (!mapping) throw new Error(`no mapping for ${consumer}`);
  const reports: InvocationReport[] = [];
  runner = new LocalLambdaRunner({
    emulator,
    mappings: [mapping],
    maxConcurrencyPerMapping,
    onInvocation: (r) => reports.push(r),
    onLog: onLog && ((_fn, line) => onLog(line)),
  });
  runner.start();
  return reports;
}

async function queueDepth(url: string): Promise<{ visible: number; inFlight: number }> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

describe('the deployed mapping on moto', () => {
  it('is disabled, so moto leaves the queue to the runner', async () => {
    // GIVEN the Idle consumer, deployed, with no runner
    const url = stackOutput(deployment, 'IdleQueueUrl');
    // WHEN an event is routed to its queue and a moment passes
    await publish('Idle', ['ok']);
    await new Promise((r) => setTimeout(r, 1_500));
    // THEN the message waits, visible and never received: moto did not consume it
    expect(await queueDepth(url)).toEqual({ visible: 1, inFlight: 0 });
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(received.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('keeps the settings of the template, read back from the emulator', () => {
    const partial = mappings.find((m) => m.function.shortName === 'Partial');
    expect(partial).toMatchObject({
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
      reportBatchItemFailures: true,
      maxConcurrency: 2,
      enabled: true,
      function: { timeoutSeconds: 1, memorySizeMb: 128, handler: 'index.handler' },
    });
    // Refs resolved by the emulator, the bus one through the shim.
    expect(partial?.function.environment.BUS).toBe('local-mini-bus');
    expect(partial?.function.environment.TABLE).toBe(stackOutput(deployment, 'TableName'));
  });
});

describe('LocalLambdaRunner', () => {
  it('deletes succeeded records, redelivers only the reported one, then dead-letters it', async () => {
    // GIVEN three events for Partial, one the handler reports as failed
    const reports = run('Partial');
    await publish('Partial', ['ok', 'ok', 'fail']);
    // WHEN the failed record has been delivered maxReceiveCount (2) times and moto redrives it
    const dlqUrl = stackOutput(deployment, 'PartialDlqUrl');
    const dead = await eventually('the failed record in the DLQ', async () => {
      const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
      return res.Messages?.[0];
    });
    // THEN the DLQ holds the original event, the failed record was invoked twice (receive counts 1, 2),
    // and each succeeded record exactly once
    expect(JSON.parse(dead.Body ?? '{}').detail.action).toBe('fail');
    const deliveries = reports.flatMap((r) =>
      r.messageIds.map((id, i) => ({ id, count: r.receiveCounts[i] })),
    );
    const failedId = reports.flatMap((r) => (r.outcome.kind === 'partial' ? r.outcome.failedIds : []))[0];
    expect(deliveries.filter((d) => d.id === failedId).map((d) => d.count)).toEqual([1, 2]);
    expect(deliveries.filter((d) => d.id !== failedId).map((d) => d.count)).toEqual([1, 1]);
    expect(await queueDepth(stackOutput(deployment, 'PartialQueueUrl'))).toEqual({ visible: 0, inFlight: 0 });
  });

  it('fails the whole batch when the handler throws, and nothing is deleted', async () => {
    // GIVEN an event whose handler throws
    const reports = run('Throws');
    await publish('Throws', ['throw']);
    // WHEN it has been delivered twice
    await eventually('a second delivery', () => (reports.length >= 2 ? true : undefined));
    // THEN both invocations failed as a whole, nothing was deleted, and the receive count grew
    expect(
      reports.slice(0, 2).map((r) => [r.outcome.kind, r.deleted, r.receiveCounts[0], r.error?.kind]),
    ).toEqual([
      ['batch-failed', 0, 1, 'error'],
      ['batch-failed', 0, 2, 'error'],
    ]);
    expect(runner?.stats().functions[0]).toMatchObject({ functionErrors: 2, recordsDeleted: 0 });
  });

  it('fails the whole batch on a malformed batch response', async () => {
    // GIVEN a handler answering an empty itemIdentifier, next to a record it handled
    const reports = run('Malformed', 1);
    await publish('Malformed', ['ok', 'malformed']);
    // WHEN it has been invoked
    const first = await eventually('an invocation', () => reports[0]);
    // THEN nothing of the batch was acknowledged, not even the record it handled: both come back
    expect(first.messageIds).toHaveLength(2);
    expect(first.outcome).toMatchObject({ kind: 'batch-failed' });
    expect(first.deleted).toBe(0);
    await eventually('a redelivery', () => reports.find((r) => r.receiveCounts.includes(2)));
  });

  it('stops an invocation at its timeout, ends its environment, and the message comes back', async () => {
    // GIVEN a handler that never settles, with a 1 s timeout
    const reports = run('Hangs', 1);
    await publish('Hangs', ['hang']);
    // WHEN it has been delivered twice
    await eventually('a second delivery', () => (reports.length >= 2 ? true : undefined));
    // THEN each delivery timed out, and the second ran in a new (cold) environment
    expect(reports.slice(0, 2).map((r) => [r.error?.kind, r.error?.errorType, r.coldStart])).toEqual([
      ['timeout', 'Sandbox.Timedout', true],
      ['timeout', 'Sandbox.Timedout', true],
    ]);
    expect(reports[0]?.durationMs).toBeGreaterThanOrEqual(1_000);
  });

  it('gathers the messages of its batching window into one invocation', async () => {
    // GIVEN one poller with a 2 s batching window
    const reports = run('Batches', 1);
    const url = stackOutput(deployment, 'BatchesQueueUrl');
    // WHEN five messages arrive 100 ms apart
    for (let i = 0; i < 5; i++) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ action: 'ok', i }) }),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    // THEN one invocation received all five and deleted them
    const first = await eventually('an invocation', () => reports[0]);
    expect(first.messageIds).toHaveLength(5);
    expect(first.deleted).toBe(5);
  });

  it('runs a function declaring nodejs24.x on Node 24, whatever Node runs the runner', async () => {
    // GIVEN a function whose Runtime is nodejs24.x
    const logs: string[] = [];
    const reports = run('Node24', 1, (line) => logs.push(line));
    // WHEN it logs the version of the Node it runs on
    await publish('Node24', ['version']);
    const line = await eventually('its version line', () => logs.find((l) => l.startsWith('node ')));
    // THEN that is Node 24, and the invocation succeeded there
    expect(line).toMatch(/^node v24\./);
    expect((await eventually('its report', () => reports[0])).outcome.kind).toBe('all-succeeded');
  });
});
