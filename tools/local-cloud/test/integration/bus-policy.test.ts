import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type BusPolicyStatement,
  diffRequestCounts,
  type Emulator,
  EmulatorError,
  startEmulator,
} from '../../src/emulator';
import { principalCredentials } from '../../src/principals';

/**
 * moto_server.py's bus policies on PutEvents (the statements bus-policy.ts resolves from a
 * deployment): a denied entry is refused at its position as EventBridge refuses it, the others reach
 * moto's bus unchanged, and the call is counted once. A bus, a rule and a queue of their own, on a moto
 * of their own; the deployed app's policy is proven in local-pipeline.test.ts.
 */

const BUS = `policy-${randomUUID().slice(0, 8)}`;
const BUS_ARN = `arn:aws:events:us-east-1:123456789012:event-bus/${BUS}`;
const PAY_ROLE = 'arn:aws:iam::123456789012:role/Pipeline-PayRole-ABC';
const CALLER = 'bus-policy-test';

/** orders.pay is kept for the pay role, as the pipeline keeps each step's source for its function. */
const ONLY_PAY_ROLE: BusPolicyStatement = {
  sid: 'OnlyPayPuts',
  origin: 'Test/Bus',
  conditions: [
    { operator: 'StringEquals', key: 'events:source', values: ['orders.pay'] },
    { operator: 'ArnNotEquals', key: 'aws:PrincipalArn', values: [PAY_ROLE] },
  ],
};

let emulator: Emulator;
let sqs: SQSClient;
let events: EventBridgeClient;
let asPayRole: EventBridgeClient;
let queueUrl: string;

beforeAll(async () => {
  emulator = await startEmulator();
  sqs = new SQSClient(emulator.clientConfig);
  // One attempt per call: a retry would be a second request, and the counts would depend on timing.
  events = new EventBridgeClient({ ...emulator.clientConfig, userAgentAppId: CALLER, maxAttempts: 1 });
  asPayRole = new EventBridgeClient({
    ...emulator.clientConfig,
    credentials: principalCredentials(PAY_ROLE),
  });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: BUS }))).QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(new CreateEventBusCommand({ Name: BUS }));
  await events.send(
    new PutRuleCommand({
      Name: 'all',
      EventBusName: BUS,
      EventPattern: JSON.stringify({ source: [{ prefix: 'orders.' }] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'all',
      EventBusName: BUS,
      Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
    }),
  );
  const enforced = await emulator.setBusPolicies({
    principals: principalsOf(PAY_ROLE),
    buses: { [BUS]: { arn: BUS_ARN, statements: [ONLY_PAY_ROLE] } },
  });
  expect(enforced).toBe(true);
});

afterAll(async () => {
  for (const c of [sqs, events, asPayRole]) c?.destroy();
  await emulator?.stop();
});

function principalsOf(arn: string): Record<string, string> {
  return { [principalCredentials(arn).accessKeyId]: arn };
}

function entry(source: string, id: string, bus = BUS): PutEventsRequestEntry {
  return { EventBusName: bus, Source: source, DetailType: 'Probe', Detail: JSON.stringify({ id }) };
}

/** The detail ids that reached the queue, waiting until `expected` have (and then a second more). */
async function delivered(expected: number): Promise<string[]> {
  const ids: string[] = [];
  const deadline = Date.now() + 15_000;
  let quietUntil = Number.POSITIVE_INFINITY;
  while (Date.now() < Math.min(deadline, quietUntil)) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of Messages) ids.push(String(JSON.parse(m.Body ?? '{}').detail?.id));
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    // Anything refused would have arrived with the rest: moto delivers inside the PutEvents call.
    if (ids.length >= expected && quietUntil === Number.POSITIVE_INFINITY) quietUntil = Date.now() + 1_000;
  }
  return ids.sort();
}

function refused(result: PutEventsResultEntry | undefined): void {
  expect(result).toEqual({ ErrorCode: 'AccessDeniedException', ErrorMessage: expect.any(String) });
  expect(result?.ErrorMessage).toMatch(
    new RegExp(
      `is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} with an explicit deny in a resource-based policy \\(statement OnlyPayPuts\\)$`,
    ),
  );
}

describe('moto_server.py bus policies on PutEvents', () => {
  it('refuses a denied entry at its position, forwards the others unchanged, and counts one request', async () => {
    // GIVEN the shared credentials, which are not the pay role
    const [a, denied, b] = [randomUUID(), randomUUID(), randomUUID()];
    const before = await emulator.requestCounts();
    // WHEN one call puts a client event, a pay event and a client event naming the bus by its ARN
    const res = await events.send(
      new PutEventsCommand({
        Entries: [entry('orders.client', a), entry('orders.pay', denied), entry('orders.client', b, BUS_ARN)],
      }),
    );
    const after = await emulator.requestCounts();
    // THEN the pay event is refused in its place, counted as failed; the others were accepted
    expect(res.FailedEntryCount).toBe(1);
    expect(res.Entries).toHaveLength(3);
    expect(res.Entries?.[0]?.EventId).toEqual(expect.any(String));
    refused(res.Entries?.[1]);
    expect(res.Entries?.[2]?.EventId).toEqual(expect.any(String));
    expect(res.Entries?.[1]?.ErrorMessage).toMatch(/^User: the principal of access key local /);
    // AND only the accepted ones reached the bus's rule
    expect(await delivered(2)).toEqual([a, b].sort());
    // AND the call is one request of this caller, not an error (EventBridge answers 200)
    if (!before || !after) throw new Error('the emulator counts no requests: is moto run by moto_server.py?');
    const usage = diffRequestCounts(before, after).requests.filter((r) => r.caller === CALLER);
    expect(usage).toEqual([
      { caller: CALLER, service: 'EventBridge', operation: 'PutEvents', count: 1, errors: 0 },
    ]);
  });

  it('refuses every entry of a call whose entries are all denied', async () => {
    const ids = [randomUUID(), randomUUID()];
    const res = await events.send(
      new PutEventsCommand({ Entries: ids.map((id) => entry('orders.pay', id)) }),
    );
    expect(res.FailedEntryCount).toBe(2);
    for (const result of res.Entries ?? []) refused(result);
    expect(await delivered(0)).toEqual([]);
  });

  it('lets the principal the statement excepts put the source, signed with its own access key id', async () => {
    // GIVEN a client signing with the pay role's key
    const id = randomUUID();
    // WHEN it puts a pay event
    const res = await asPayRole.send(new PutEventsCommand({ Entries: [entry('orders.pay', id)] }));
    // THEN it is accepted and delivered
    expect(res).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    expect(await delivered(1)).toEqual([id]);
  });

  it('leaves a bus without statements alone', async () => {
    const res = await events.send(
      new PutEventsCommand({ Entries: [entry('orders.pay', randomUUID(), 'default')] }),
    );
    expect(res).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
  });

  it('fails statements it cannot evaluate, and keeps enforcing the ones it has', async () => {
    // GIVEN a statement with an operator the emulator does not evaluate
    const unknown = {
      ...ONLY_PAY_ROLE,
      conditions: [{ operator: 'StringEqualsIfExists', key: 'events:source', values: ['orders.pay'] }],
    } as unknown as BusPolicyStatement;
    // WHEN it is handed over
    const handed = emulator.setBusPolicies({
      principals: {},
      buses: { [BUS]: { arn: BUS_ARN, statements: [unknown] } },
    });
    // THEN the emulator refuses it (HTTP 400 naming the operators it knows) and the earlier statements still apply
    await expect(handed).rejects.toThrow(EmulatorError);
    await expect(handed).rejects.toThrow(/operator must be one of/);
    const res = await events.send(new PutEventsCommand({ Entries: [entry('orders.pay', randomUUID())] }));
    refused(res.Entries?.[0]);
  });
});
