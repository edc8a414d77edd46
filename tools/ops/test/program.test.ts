import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeArchiveCommand,
  DescribeReplayCommand,
  ListRulesCommand,
  PutEventsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import {
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { defaultClients, runOps } from '../src/program';
import {
  capture,
  cloudwatchMock,
  eventBody,
  eventsMock,
  FakeSqs,
  mockedClients,
  mockStacks,
  PIPELINE_OUTPUTS,
  resetMocks,
  sqsMock,
  url,
} from './support/fake-aws';

const START = Date.parse('2026-11-26T12:00:00Z');
const EMULATOR = { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };

let clock: number;
let sqs: FakeSqs;

beforeEach(() => {
  resetMocks();
  mockStacks('dev');
  clock = START;
  sqs = new FakeSqs(() => clock);
  sqs.install();
});

/** Runs the CLI in-process against the mocks, with a clock that sleeping advances. */
async function ops(
  argv: string,
  options: { env?: Record<string, string>; tty?: boolean; isMoto?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture(false);
  const stderr = Object.assign(capture(options.tty ?? false), {
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => {},
    removeListener: () => {},
  });
  const code = await runOps(argv.split(' ').filter(Boolean), {
    io: { stdout, stderr },
    env: options.env ?? {},
    clients: () => mockedClients(),
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
    isMoto: async () => options.isMoto ?? false,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const attr = (v: string) => ({ DataType: 'String', StringValue: v });

describe('ops --help', () => {
  it('GIVEN --help WHEN run THEN it lists the commands and exits 0', async () => {
    const r = await ops('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: ops/);
    expect(r.stdout).toMatch(/dlq\s+list, inspect and redrive/);
    expect(r.stdout).toMatch(/replay \[options\]/);
    expect(r.stdout).toMatch(/accepted \[options\]\s+list orders still ACCEPTED/);
  });

  it('fails with exit 2 on an unknown stage, naming the stages', async () => {
    const r = await ops('dlq list --stage qa');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown stage; use one of dev, local, test, prod, or pr-<number>/);
  });

  it('fails with exit 1 when the stage is not deployed', async () => {
    const r = await ops('dlq list --stage prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stack OrderPipeline-prod-Pipeline does not exist/);
  });
});

describe('ops dlq list', () => {
  it('GIVEN AWS and a DLQ with messages WHEN listed THEN depth and CloudWatch age show for every DLQ', async () => {
    sqs.add(url('reserve-dlq'), eventBody('OrderValidated', 'o1'));
    sqs.add(url('reserve-dlq'), eventBody('OrderValidated', 'o2'));
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Values: [754] }] });
    const r = await ops('dlq list');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /-dlq\s/.test(l));
    expect(rows).toHaveLength(4);
    expect(rows.find((l) => l.startsWith('reserve-stock-dlq '))).toMatch(/source\s+2\s+0\s+12m 34s$/);
    expect(rows.find((l) => l.startsWith('validate-order-target-dlq '))).toMatch(/target\s+0\s+0\s+-$/);
    expect(r.stdout).toMatch(/2 messages in 1 queue/);
    // Only the non-empty queue is asked about, by its SQS name.
    const query = cloudwatchMock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries;
    expect(query?.map((q) => q.MetricStat?.Metric?.Dimensions)).toEqual([
      [{ Name: 'QueueName', Value: 'reserve-dlq' }],
    ]);
  });

  it('GIVEN an emulator WHEN listed as JSON THEN the age comes from the oldest SentTimestamp and the messages stay', async () => {
    sqs.add(url('validate-target-dlq'), eventBody('OrderPlaced', 'o1'), { sentAt: START - 90_000 });
    sqs.add(url('validate-target-dlq'), eventBody('OrderPlaced', 'o2'), { sentAt: START - 30_000 });
    const r = await ops('dlq list --json', { env: EMULATOR });
    expect(r.code).toBe(0);
    const statuses = JSON.parse(r.stdout) as {
      name: string;
      messages: number;
      oldestAgeMs?: number;
      ageSource: string;
    }[];
    expect(statuses.find((s) => s.name === 'validate-order-target-dlq')).toMatchObject({
      messages: 2,
      oldestAgeMs: 90_000,
      ageSource: 'peek',
    });
    expect(statuses.filter((s) => s.messages === 0).every((s) => s.ageSource === 'none')).toBe(true);
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(sqs.visible(url('validate-target-dlq'))).toBe(2);
  });
});

describe('ops dlq peek', () => {
  it('GIVEN a queue DLQ WHEN peeked THEN each message shows its detail-type, order id and receive facts, no payload, and stays', async () => {
    sqs.add(url('reserve-dlq'), eventBody('OrderValidated', 'ord-7'), {
      receiveCount: 5,
      sentAt: START - 600_000,
    });
    const r = await ops('dlq peek reserve-stock-dlq');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reserve-stock-dlq \(DLQ of the reserve-stock queue\): 1 message, showing 1/);
    expect(r.stdout).toMatch(/1\. OrderValidated {2}order ord-7 {2}message m-1/);
    expect(r.stdout).toMatch(
      /sent 2026-11-26T11:50:00.000Z \(10m 0s ago\), received 6 times \(this peek included\)/,
    );
    expect(r.stdout).toMatch(/reason: not on the message: the reserve-stock function logged it/);
    expect(r.stdout + r.stderr).not.toContain('customer-secret');
    expect(sqs.visible(url('reserve-dlq'))).toBe(1);
    expect(sqs.log).toEqual(['receive reserve-dlq 1', 'receive reserve-dlq 0', 'release reserve-dlq 1']);
  });

  it('GIVEN a rule-target DLQ WHEN peeked THEN the reason is EventBridge’s ERROR_CODE and ERROR_MESSAGE', async () => {
    sqs.add(url('validate-target-dlq'), eventBody('OrderPlaced', 'ord-8'), {
      attributes: {
        ERROR_CODE: attr('SQS.AccessDenied'),
        ERROR_MESSAGE: attr('not authorized'),
        RETRY_ATTEMPTS: attr('185'),
        EXHAUSTED_RETRY_CONDITION: attr('MaximumRetryAttempts'),
      },
    });
    const r = await ops('dlq peek validate-order-target-dlq');
    expect(r.stdout).toMatch(/reason: EventBridge: SQS.AccessDenied \(not authorized\)/);
    expect(r.stdout).toMatch(/EXHAUSTED_RETRY_CONDITION=MaximumRetryAttempts, RETRY_ATTEMPTS=185/);
  });

  it('GIVEN more messages than --limit WHEN peeked THEN only the limit is shown and all stay', async () => {
    for (let i = 0; i < 5; i++) sqs.add(url('reserve-dlq'), eventBody('OrderValidated', `o${i}`));
    const r = await ops('dlq peek reserve-stock-dlq --limit 2 --json');
    const peeked = JSON.parse(r.stdout) as { depth: number; messages: { orderId: string }[] };
    expect(peeked.depth).toBe(5);
    expect(peeked.messages.map((m) => m.orderId)).toEqual(['o0', 'o1']);
    expect(sqs.visible(url('reserve-dlq'))).toBe(5);
  });

  it('fails with exit 2 on an unknown queue, listing the known ones', async () => {
    const r = await ops('dlq peek reserve-dlqq');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: unknown queue "reserve-dlqq" in stage dev. Known dead-letter queues: reserve-stock-dlq, reserve-stock-target-dlq, validate-order-dlq, validate-order-target-dlq',
    );
  });

  it('fails with exit 2 on a --limit out of range', async () => {
    const r = await ops('dlq peek reserve-stock-dlq --limit 0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--limit must be a whole number from 1 to 100/);
  });
});

describe('ops dlq redrive of a queue DLQ', () => {
  function threeFailed(): string[] {
    return ['o1', 'o2', 'o3'].map((o) =>
      sqs.add(url('reserve-dlq'), eventBody('OrderValidated', o), { attributes: { trace: attr(`t-${o}`) } }),
    );
  }

  it('GIVEN AWS WHEN redriven THEN an SQS move task moves them to the source queue at the given rate', async () => {
    threeFailed();
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1 }],
      })
      .resolves({
        Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3 }],
      });
    const r = await ops('dlq redrive reserve-stock-dlq --rate 50');
    expect(r.code).toBe(0);
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: 'arn:aws:sqs:eu-west-1:111111111111:reserve-dlq',
      DestinationArn: 'arn:aws:sqs:eu-west-1:111111111111:reserve-queue',
      MaxNumberOfMessagesPerSecond: 50,
    });
    expect(r.stdout).toMatch(/found 3, redriven 3, failed 0/);
    expect(r.stdout).toMatch(/move task COMPLETED/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('fails with exit 1 when the move task fails, with its reason', async () => {
    threeFailed();
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          TaskHandle: 'task-2',
          Status: 'FAILED',
          ApproximateNumberOfMessagesMoved: 1,
          FailureReason: 'AccessDenied',
        },
      ],
    });
    const r = await ops('dlq redrive reserve-stock-dlq');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/move task FAILED: AccessDenied/);
  });

  it('fails with exit 1 when AWS refuses the move task, suggesting --method resend', async () => {
    threeFailed();
    sqsMock
      .on(StartMessageMoveTaskCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    const r = await ops('dlq redrive reserve-stock-dlq');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /StartMessageMoveTask failed for reserve-stock-dlq: AccessDenied: not allowed \(retry with --method resend/,
    );
    expect(sqs.visible(url('reserve-dlq'))).toBe(3);
  });

  it('GIVEN an emulator without move tasks WHEN redriven THEN each batch is re-sent, then deleted, and the DLQ ends empty', async () => {
    threeFailed();
    // moto answers StartMessageMoveTask with an HTML 500 page the SDK cannot parse.
    sqsMock.on(StartMessageMoveTaskCommand).rejects(
      Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON'), {
        $metadata: { httpStatusCode: 500 },
      }),
    );
    const r = await ops('dlq redrive reserve-stock-dlq', { env: EMULATOR });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/does not implement SQS move tasks: re-sending/);
    expect(r.stdout).toMatch(/found 3, redriven 3, failed 0, re-sent but not deleted 0/);
    expect(sqs.messages(url('reserve-dlq'))).toEqual([]);
    expect(
      sqs.messages(url('reserve-queue')).map((m) => [JSON.parse(m.body).detail.data.orderId, m.attributes]),
    ).toEqual([
      ['o1', { trace: attr('t-o1') }],
      ['o2', { trace: attr('t-o2') }],
      ['o3', { trace: attr('t-o3') }],
    ]);
    expect(sqs.log.filter((l) => !l.startsWith('receive'))).toEqual([
      'send reserve-queue 3',
      'delete reserve-dlq 3',
    ]);
  });

  it('GIVEN the source queue refuses one message WHEN redriven THEN only the others are deleted, it stays visible, exit 1', async () => {
    threeFailed();
    sqs.refuseBodies.add(eventBody('OrderValidated', 'o2'));
    const r = await ops('dlq redrive reserve-stock-dlq --method resend', { env: EMULATOR });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/found 3, redriven 2, failed 1/);
    expect(r.stderr).toMatch(
      /failed m-2: SendMessage to the source queue refused it \(InternalError: refused by the test\)/,
    );
    expect(sqs.messages(url('reserve-dlq')).map((m) => m.id)).toEqual(['m-2']);
    expect(sqs.visible(url('reserve-dlq'))).toBe(1);
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('GIVEN --rate 2 WHEN five messages are re-sent THEN batches hold at most two and the run takes two seconds or more', async () => {
    for (let i = 0; i < 5; i++) sqs.add(url('reserve-dlq'), eventBody('OrderValidated', `o${i}`));
    const r = await ops('dlq redrive reserve-stock-dlq --method resend --rate 2', { env: EMULATOR });
    expect(r.code).toBe(0);
    const receives = sqsMock
      .commandCalls(ReceiveMessageCommand)
      .map((c) => c.args[0].input.MaxNumberOfMessages);
    expect(Math.max(...(receives as number[]))).toBe(2);
    expect(clock - START).toBeGreaterThanOrEqual(2_000);
    expect(sqs.messages(url('reserve-queue'))).toHaveLength(5);
  });

  it('GIVEN --dry-run WHEN redriven THEN it shows the messages and changes nothing', async () => {
    threeFailed();
    const r = await ops('dlq redrive reserve-stock-dlq --dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Dry run: would redrive 3 messages from reserve-stock-dlq \(SQS move task to the source queue\)/,
    );
    expect(r.stdout).toMatch(/3\. OrderValidated {2}order o3/);
    expect(sqs.visible(url('reserve-dlq'))).toBe(3);
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('GIVEN an empty DLQ WHEN redriven THEN it says so and exits 0', async () => {
    const r = await ops('dlq redrive validate-order-dlq');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/validate-order-dlq is empty: nothing to redrive/);
  });

  it('GIVEN a terminal WHEN redriving THEN a progress bar is drawn on stderr; on a pipe it is not', async () => {
    threeFailed();
    const tty = await ops('dlq redrive reserve-stock-dlq --method resend', { env: EMULATOR, tty: true });
    expect(tty.stderr).toMatch(/redrive reserve-stock-dlq \[.*\] 3\/3/);
    threeFailed();
    const pipe = await ops('dlq redrive reserve-stock-dlq --method resend', { env: EMULATOR });
    expect(pipe.stderr).not.toMatch(/\[.*\]/);
    expect(pipe.stdout).toMatch(/redriven 3/);
  });

  it('fails with exit 2 on --rate 0', async () => {
    const r = await ops('dlq redrive reserve-stock-dlq --rate 0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate <n>' argument '0' is invalid/);
  });
});

describe('ops dlq redrive of a rule-target DLQ', () => {
  it('GIVEN events EventBridge could not deliver WHEN redriven THEN they go to the step’s queue as they were, never back on the bus, and leave the DLQ', async () => {
    sqs.add(url('validate-target-dlq'), eventBody('OrderPlaced', 'o1'), {
      attributes: { ERROR_CODE: attr('SQS.AccessDenied') },
    });
    sqs.add(url('validate-target-dlq'), eventBody('OrderPlaced', 'o2'));
    const r = await ops('dlq redrive validate-order-target-dlq');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/re-send to the source queue, then delete/);
    expect(sqs.messages(url('validate-queue')).map((m) => m.body)).toEqual([
      eventBody('OrderPlaced', 'o1'),
      eventBody('OrderPlaced', 'o2'),
    ]);
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqs.messages(url('validate-target-dlq'))).toEqual([]);
  });

  it('GIVEN a message that is not an event WHEN redriven THEN it stays in the DLQ and the run fails', async () => {
    sqs.add(url('validate-target-dlq'), 'garbage');
    const r = await ops('dlq redrive validate-order-target-dlq');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/left in the DLQ: body is not JSON/);
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(sqs.visible(url('validate-target-dlq'))).toBe(1);
  });

  it('fails with exit 2 when --method is given for a target DLQ', async () => {
    const r = await ops('dlq redrive validate-order-target-dlq --method resend');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--method applies to queue DLQs only/);
  });
});

describe('ops replay', () => {
  const ARCHIVE_ARN = 'arn:aws:events:eu-west-1:111111111111:archive/orders-dev-archive';
  const rule = (name: string, types?: string[]) => ({
    Name: name,
    Arn: `arn:aws:events:eu-west-1:111111111111:rule/orders-dev/${name}`,
    ...(types ? { EventPattern: JSON.stringify({ source: ['orders.client'], 'detail-type': types }) } : {}),
  });

  beforeEach(() => {
    eventsMock.on(DescribeArchiveCommand).resolves({
      ArchiveArn: ARCHIVE_ARN,
      EventCount: 42,
      RetentionDays: 7,
      CreationTime: new Date(START - 10 * 86_400_000),
    });
    eventsMock.on(ListRulesCommand).resolves({
      Rules: [
        rule('validate', ['OrderPlaced']),
        rule('reserve', ['OrderValidated']),
        rule('analytics', ['OrderPlaced', 'OrderValidated', 'StockReserved']),
        { ...rule('Events-Archive-orders-dev-archive'), ManagedBy: 'prod.vhs.events.aws.internal' },
      ],
    });
    eventsMock.on(StartReplayCommand).resolves({ State: 'STARTING' });
  });

  it('GIVEN a window and a detail type WHEN replayed THEN StartReplay targets the rules routing it and waits for COMPLETED', async () => {
    eventsMock
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date(START - 3_600_000) })
      .resolves({ State: 'COMPLETED' });
    const r = await ops('replay --from -2h --to now --detail-type OrderPlaced --name incident-42');
    expect(r.code).toBe(0);
    expect(eventsMock.commandCalls(StartReplayCommand)[0]?.args[0].input).toMatchObject({
      ReplayName: 'incident-42',
      EventSourceArn: ARCHIVE_ARN,
      EventStartTime: new Date(START - 7_200_000),
      EventEndTime: new Date(START),
      Destination: {
        Arn: PIPELINE_OUTPUTS.EventBusArn,
        FilterArns: [rule('validate').Arn, rule('analytics').Arn],
      },
    });
    expect(r.stderr).toMatch(/analytics also route other detail types/);
    expect(r.stdout).toMatch(
      /Replay incident-42: orders-dev-archive, 2026-11-26T10:00:00.000Z to 2026-11-26T12:00:00.000Z, to rules validate, analytics/,
    );
    expect(r.stdout).toMatch(/state COMPLETED after 5s/);
  });

  it('GIVEN no detail type WHEN replayed THEN every rule of the bus receives the window', async () => {
    eventsMock.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
    const r = await ops('replay --from 2026-11-26T09:00:00Z --to 2026-11-26T10:00:00Z');
    expect(r.code).toBe(0);
    expect(eventsMock.commandCalls(StartReplayCommand)[0]?.args[0].input.Destination).toEqual({
      Arn: PIPELINE_OUTPUTS.EventBusArn,
    });
    expect(eventsMock.commandCalls(ListRulesCommand)).toHaveLength(0);
  });

  it('fails with exit 1 when the replay fails, with its reason', async () => {
    eventsMock.on(DescribeReplayCommand).resolves({ State: 'FAILED', StateReason: 'archive unavailable' });
    const r = await ops('replay --from -1h --to now');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/state FAILED \(archive unavailable\)/);
  });

  it('GIVEN --dry-run WHEN replayed THEN nothing starts', async () => {
    const r = await ops('replay --from -1h --to now --dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Dry run: would replay orders-dev-archive.*every rule of the bus\. The archive holds 42 events in all\. Nothing started\./,
    );
    expect(eventsMock.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it('GIVEN moto WHEN replayed THEN it warns that moto ignores the window and the rule filter', async () => {
    eventsMock.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
    const r = await ops('replay --from -1h --to now', { env: EMULATOR, isMoto: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /moto replays every archived event to every rule of the bus, synchronously, ignoring --from\/--to/,
    );
  });

  it('GIVEN --from older than the retention WHEN replayed THEN it warns that those events are gone', async () => {
    eventsMock.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
    const r = await ops('replay --from -9d --to now');
    expect(r.stderr).toMatch(/older than the archive's retention \(7 days\)/);
  });

  it('fails with exit 2 on a bad time, before any AWS call', async () => {
    const r = await ops('replay --from 2026-11-26T10:00 --to now');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--from "2026-11-26T10:00" has no time zone/);
    expect(eventsMock.calls()).toHaveLength(0);
  });

  it('fails with exit 2 on an unknown detail type, listing the known ones', async () => {
    const r = await ops('replay --from -1h --to now --detail-type OrderShipped');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --detail-type OrderShipped\. Known: OrderPlaced, OrderValidated/);
  });

  it('fails with exit 2 when --from or --to is missing', async () => {
    const r = await ops('replay --from -1h');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--to <time>' not specified/);
  });
});

describe('defaultClients', () => {
  it('GIVEN AWS_ENDPOINT_URL WHEN the SQS client is built THEN queue URLs do not override the endpoint', () => {
    // An emulator's CloudFormation may report AWS-looking queue URLs; the endpoint variable must win.
    const emulated = defaultClients('us-east-1', EMULATOR);
    const aws = defaultClients('us-east-1', {});
    expect(emulated.sqs.config.useQueueUrlAsEndpoint).toBe(false);
    expect(aws.sqs.config.useQueueUrlAsEndpoint).toBe(true);
    for (const c of [emulated, aws]) {
      for (const client of [c.sqs, c.events, c.cfn, c.cloudwatch]) client.destroy();
    }
  });
});
