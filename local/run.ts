/**
 * `npm run local`: the whole pipeline on this laptop, no AWS account, no Docker. Starts moto (or
 * attaches to AWS_ENDPOINT_URL), synthesizes and deploys the app, runs the functions from their bundles,
 * places one demo order and follows it to its final state, then keeps running until Ctrl-C.
 *
 *   npm run local                 # demo, then keep running
 *   npm run local -- --once       # demo, then stop (exit code tells whether the order was fulfilled)
 *   npm run local -- --no-synth   # reuse .local/cdk.out
 *   npm run local -- --logs       # print the functions' log lines
 *   npm run local -- --port=5000  # moto on this port (default: a free one)
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { stockKey } from '../lambda/adapters/inventory-repository';
import { placeOrders } from '../lambda/adapters/order-producer';
import { type Deployment, stackOutput } from './deploy';
import type { Emulator } from './emulator';
import type { InvocationReport } from './lambda-runner';
import { type LocalPipeline, startLocalPipeline } from './local-pipeline';

const FINAL_STATES = new Set(['FULFILLED', 'REJECTED', 'CANCELLED']);

/**
 * Five steps, each waiting up to its 1 s batching window, plus cold starts: a few seconds. A minute
 * means something is wrong, not slow.
 */
const DEMO_DEADLINE_MS = 60_000;

const DEMO_STOCK = [
  { productId: 'sku-espresso-250g', available: 100 },
  { productId: 'sku-grinder-c2', available: 20 },
];

function parseArgs(argv: readonly string[]) {
  const known = new Set(['--once', '--no-synth', '--logs', '--help']);
  const unknown = argv.filter((a) => !known.has(a) && !/^--(stage|port)=/.test(a));
  if (unknown.length > 0 || argv.includes('--help')) {
    return { help: true, unknown };
  }
  return {
    help: false,
    unknown,
    once: argv.includes('--once') || process.env.CI === 'true',
    synth: !argv.includes('--no-synth'),
    logs: argv.includes('--logs'),
    stage: argv.find((a) => a.startsWith('--stage='))?.slice('--stage='.length),
    port: argv.find((a) => a.startsWith('--port='))?.slice('--port='.length),
  };
}

const started = Date.now();
function say(line: string): void {
  const secs = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${secs}s] ${line}`);
}

function describeInvocation(r: InvocationReport): string {
  const records = `${r.messageIds.length} record${r.messageIds.length === 1 ? '' : 's'}`;
  const result =
    r.outcome.kind === 'all-succeeded'
      ? 'ok'
      : r.outcome.kind === 'partial'
        ? `${r.outcome.failedIds.length} failed (retried after the visibility timeout)`
        : `batch failed: ${r.outcome.reason}`;
  const cold = r.coldStart ? `, cold start ${r.initMs ?? 0} ms` : '';
  return `  ${r.shortName.padEnd(15)} ${records.padEnd(10)} ${result}  ${r.durationMs} ms${cold}`;
}

async function demo(emulator: Emulator, deployment: Deployment): Promise<boolean> {
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(emulator.clientConfig));
  const events = new EventBridgeClient(emulator.clientConfig);
  try {
    const inventoryTable = stackOutput(deployment, 'InventoryTableName');
    const ordersTable = stackOutput(deployment, 'OrdersTableName');
    for (const s of DEMO_STOCK) {
      await ddb.send(
        new PutCommand({
          TableName: inventoryTable,
          Item: { ...stockKey(s.productId), available: s.available },
        }),
      );
    }
    const orderId = `local-${randomUUID().slice(0, 8)}`;
    await placeOrders(
      [
        {
          orderId,
          customerId: 'cus-local',
          currency: 'EUR',
          lines: [
            { productId: 'sku-espresso-250g', quantity: 2, unitPrice: 1_250 },
            { productId: 'sku-grinder-c2', quantity: 1, unitPrice: 8_900 },
          ],
        },
      ],
      { eventBusName: stackOutput(deployment, 'EventBusName'), client: events },
    );
    const placedAt = Date.now();
    say(`placed order ${orderId} (OrderPlaced on ${stackOutput(deployment, 'EventBusName')})`);

    let status: string | undefined;
    while (Date.now() - placedAt < DEMO_DEADLINE_MS) {
      const { Item } = await ddb.send(new GetCommand({ TableName: ordersTable, Key: { orderId } }));
      status = Item?.status as string | undefined;
      if (status && FINAL_STATES.has(status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const took = ((Date.now() - placedAt) / 1000).toFixed(1);
    if (status === 'FULFILLED') {
      say(`order ${orderId} is FULFILLED, ${took} s after it was placed`);
      return true;
    }
    say(`order ${orderId} ended ${status ?? 'nowhere'} after ${took} s (expected FULFILLED)`);
    return false;
  } finally {
    ddb.destroy();
    events.destroy();
  }
}

async function deadLetters(emulator: Emulator, deployment: Deployment): Promise<string[]> {
  const sqs = new SQSClient(emulator.clientConfig);
  try {
    const found: string[] = [];
    for (const stack of deployment.stacks) {
      for (const [key, url] of Object.entries(stack.outputs)) {
        if (!/DlqUrl$/.test(key)) continue;
        const res = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        const n = Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
        if (n > 0) found.push(`${key}: ${n}`);
      }
    }
    return found;
  } finally {
    sqs.destroy();
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    if (args.unknown.length > 0) console.error(`unknown option ${args.unknown.join(' ')}`);
    console.error('usage: npm run local -- [--once] [--no-synth] [--logs] [--stage=dev] [--port=N]');
    return args.unknown.length > 0 ? 2 : 0;
  }

  let pipeline: LocalPipeline | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await pipeline?.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(130); // second Ctrl-C: the exit hook still kills moto
      say('stopping (Ctrl-C again to force)');
      void shutdown(signal === 'SIGINT' ? 130 : 143);
    });
  }

  try {
    pipeline = await startLocalPipeline({
      stage: args.stage,
      synth: args.synth,
      emulator: { port: args.port === undefined ? undefined : Number(args.port) },
      onProgress: say,
      runner: {
        onInvocation: (r) => say(describeInvocation(r)),
        onLog: args.logs ? (fn, line) => console.log(`  ${fn} | ${line}`) : undefined,
      },
    });
  } catch (err) {
    console.error(`npm run local: ${(err as Error).message}`);
    return 1;
  }

  const { emulator, deployment, timings } = pipeline;
  say(
    `up: emulator ${timings.emulatorMs} ms, synth ${timings.synthMs} ms, deploy ${timings.deployMs} ms` +
      ` (${deployment.stacks.flatMap((s) => s.shims.map((x) => x.shim)).join(', ') || 'no shims'})`,
  );

  let fulfilled = false;
  try {
    fulfilled = await demo(emulator, deployment);
    const dlq = await deadLetters(emulator, deployment);
    if (dlq.length > 0) say(`dead-letter queues not empty: ${dlq.join(', ')}`);
  } catch (err) {
    say(`demo failed: ${(err as Error).message}`);
  }
  if (!fulfilled) {
    for (const f of pipeline.runner?.stats().functions ?? []) {
      if (f.lastError) say(`  ${f.shortName}: ${f.lastError}`);
    }
  }

  if (args.once) {
    await pipeline.stop();
    return fulfilled ? 0 : 1;
  }
  say(`running on ${emulator.endpoint}. Ctrl-C to stop.`);
  say(`  try: AWS_ENDPOINT_URL=${emulator.endpoint} AWS_REGION=${emulator.region} aws dynamodb scan ...`);
  await new Promise(() => {});
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm run local: ${(err as Error).message}`);
    process.exit(1);
  },
);
