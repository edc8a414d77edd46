import { setTimeout as delay } from 'node:timers/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DETAIL_TYPES } from '../lambda/contracts';
import { isStageName, loadStageConfig, STAGE_CHOICES } from '../lib/config';
import { discoverPipeline, findDlq, type PipelineResources } from './discovery';
import {
  type DlqContext,
  type DlqStatus,
  listDlqs,
  type PeekOutcome,
  peekDlq,
  type RedriveMethod,
  type RedriveOutcome,
  redriveDlq,
  redriveSucceeded,
} from './dlq';
import { isMotoEndpoint } from './endpoint';
import { describeError, OpsError, UsageError } from './errors';
import { formatDuration, plural, table } from './format';
import type { MessageSummary } from './messages';
import { type OrderCheckOutcome, placeCheckOrder } from './order';
import { type Check, type PreflightReport, preflightBlocked, runPreflight } from './preflight';
import { createProgress, type ProgressStream } from './progress';
import { type ReplayOutcome, replayArchive, replaySucceeded } from './replay';
import { synthesizeStageRequirements } from './stage-requirements';
import { parseWindow, TIME_FORMATS } from './time';

/**
 * `npm run ops -- <command>`: dead-letter queues and archive replay of one stage of the pipeline, on
 * AWS, LocalStack or the local emulator (AWS_ENDPOINT_URL, as for the functions and the tests).
 * Exit codes: 0 done, 1 an operation failed (some message not redriven, replay failed), 2 bad usage.
 */

export interface OpsClients {
  readonly sqs: SQSClient;
  readonly events: EventBridgeClient;
  readonly cfn: CloudFormationClient;
  readonly cloudwatch: CloudWatchClient;
  readonly lambda: LambdaClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly dynamodb: DynamoDBClient;
}

export interface OpsIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
}

export interface OpsDeps {
  readonly io: OpsIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default - SDK clients for `region` (the SDK reads AWS_ENDPOINT_URL and credentials itself) */
  readonly clients?: (region: string | undefined) => OpsClients;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default - asks the endpoint (moto serves /moto-api/) */
  readonly isMoto?: (endpoint: string) => Promise<boolean>;
}

interface GlobalOptions {
  readonly stage: string;
  readonly region?: string;
}

export function defaultClients(region: string | undefined, env: OpsDeps['env']): OpsClients {
  const config = { ...(region ? { region } : {}), retryMode: 'standard' as const };
  return {
    // The SDK sends SQS calls to the host of the QueueUrl unless the endpoint is set in code; emulators
    // created by CloudFormation may answer with AWS-looking queue URLs, so AWS_ENDPOINT_URL must win.
    sqs: new SQSClient({
      ...config,
      ...(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_SQS ? { useQueueUrlAsEndpoint: false } : {}),
    }),
    events: new EventBridgeClient(config),
    cfn: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    lambda: new LambdaClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
}

/** `--stage`: a stage of lib/config.ts, pull request stages included. */
function stageName(value: string): string {
  if (!isStageName(value)) throw new InvalidArgumentError(`unknown stage; use one of ${STAGE_CHOICES}.`);
  return value;
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number, 0 or more.');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number.');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function age(ms: number | undefined): string {
  return ms === undefined ? '-' : formatDuration(ms);
}

function describeMessage(m: MessageSummary, index: number, now: Date): string[] {
  const lines = [
    `${index + 1}. ${m.detailType ?? '(not an event)'}  order ${m.orderId ?? '-'}  message ${m.messageId}`,
  ];
  const facts = [
    m.eventId ? `event ${m.eventId}` : undefined,
    m.sentAt ? `sent ${m.sentAt} (${formatDuration(now.getTime() - Date.parse(m.sentAt))} ago)` : undefined,
    m.receiveCount === undefined
      ? undefined
      : `received ${plural(m.receiveCount, 'time')} (this peek included)`,
    m.firstReceivedAt ? `first received ${m.firstReceivedAt}` : undefined,
  ].filter(Boolean);
  if (facts.length > 0) lines.push(`   ${facts.join(', ')}`);
  lines.push(`   reason: ${m.reason}`);
  if (m.errorAttributes) {
    const { ERROR_CODE: _c, ERROR_MESSAGE: _m, ...rest } = m.errorAttributes;
    const extra = Object.entries(rest).map(([k, v]) => `${k}=${v}`);
    if (extra.length > 0) lines.push(`   ${extra.join(', ')}`);
  }
  if (m.deadLetterSourceArn) lines.push(`   dead-lettered from ${m.deadLetterSourceArn}`);
  if (m.bodyProblem) lines.push(`   body: ${m.bodyProblem} (${m.bodyBytes} bytes, not shown)`);
  return lines;
}

export async function runOps(argv: readonly string[], deps: OpsDeps): Promise<number> {
  const out = (line = '') => deps.io.stdout.write(`${line}\n`);
  const err = (line: string) => deps.io.stderr.write(`${line}\n`);
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => delay(ms));
  const endpoint = deps.env.AWS_ENDPOINT_URL;
  const clientsCache = new Map<string, OpsClients>();
  const opened: OpsClients[] = [];
  let exitCode = 0;

  const clientsFor = (region: string | undefined): OpsClients => {
    const key = region ?? '';
    let c = clientsCache.get(key);
    if (!c) {
      c = deps.clients ? deps.clients(region) : defaultClients(region, deps.env);
      clientsCache.set(key, c);
      opened.push(c);
    }
    return c;
  };

  const setup = async (command: Command) => {
    // --stage is validated by commander against the stages of lib/config.ts.
    const g = command.optsWithGlobals() as GlobalOptions;
    const clients = clientsFor(g.region);
    let resources: PipelineResources;
    try {
      resources = await discoverPipeline(clients.cfn, g.stage);
    } catch (e) {
      if (/region is missing/i.test((e as Error).message)) {
        throw new UsageError('no AWS region: pass --region or set AWS_REGION.');
      }
      throw e;
    }
    return { clients, resources };
  };

  const dlqContext = (clients: OpsClients, resources: PipelineResources): DlqContext => ({
    sqs: clients.sqs,
    cloudwatch: clients.cloudwatch,
    resources,
    isEmulator: Boolean(endpoint),
    now,
    sleep,
    progress: createProgress(deps.io.stderr),
    note: (line) => err(`note: ${line}`),
  });

  const program = new Command('ops')
    .description(
      'Operate one stage of the order pipeline: what a deploy needs, a check order, dead-letter queues and archive replay.',
    )
    .addOption(
      new Option('--stage <stage>', 'stage whose stacks to work on (OrderPipeline-<stage>-*)')
        .argParser(stageName)
        .default('dev'),
    )
    .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
    .addHelpText(
      'after',
      `
Endpoint: AWS_ENDPOINT_URL points every call at LocalStack or the local emulator (as for the tests).
Exit codes: 0 done, 1 an operation failed or preflight found a blocker, 2 bad usage (unknown queue, bad time, bad option).
Runbook: docs/runbook.md`,
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout.write(text),
      writeErr: (text) => deps.io.stderr.write(text),
    });

  program
    .command('preflight')
    .description(
      'before a deploy: region, credentials, CDK bootstrap version, Lambda concurrency, existing stacks and names',
    )
    .option(
      '--assembly <dir>',
      'read a cloud assembly `cdk synth -c stage=<stage> -o <dir>` wrote, instead of synthesizing',
    )
    .option('--json', 'print JSON instead of text')
    .action(async (options: { assembly?: string; json?: boolean }, command: Command) => {
      const g = command.optsWithGlobals() as GlobalOptions;
      const requirements = synthesizeStageRequirements(g.stage, options.assembly);
      const clients = clientsFor(g.region);
      let region: string;
      try {
        region = await clients.sts.config.region();
      } catch {
        throw new UsageError('no AWS region: pass --region or set AWS_REGION.');
      }
      const report = await runPreflight(requirements, { clients, region, ...(endpoint ? { endpoint } : {}) });
      if (options.json) out(JSON.stringify(report, null, 2));
      else printPreflight(report);
      if (preflightBlocked(report)) exitCode = 1;
    });

  program
    .command('order')
    .description(
      'place one order as a client would and follow it to its final state (the first-deploy check)',
    )
    .option('--product <id>', 'product of its one line', 'ops-check-product')
    .option(
      '--stock <n>',
      'put this many units of the product in stock first (replaces its stock)',
      wholeNumber,
    )
    .option('--timeout <seconds>', 'how long to wait for a final state', positiveInt('--timeout', 3600), 120)
    .action(async (options: { product: string; stock?: number; timeout: number }, command: Command) => {
      const { clients, resources } = await setup(command);
      const [currency = 'EUR'] = loadStageConfig(resources.stage).currencies;
      const ddb = DynamoDBDocumentClient.from(clients.dynamodb);
      const outcome = await placeCheckOrder(
        {
          events: clients.events,
          ddb,
          resources,
          now,
          sleep,
          onStatus: (status, ms) => out(`  ${status.padEnd(15)} after ${formatDuration(ms)}`),
        },
        {
          productId: options.product,
          currency,
          timeoutMs: options.timeout * 1000,
          ...(options.stock === undefined ? {} : { stock: options.stock }),
          ...(endpoint ? { pollMs: 250 } : {}),
        },
      );
      printOrder(outcome, resources.stage);
      if (outcome.final !== 'FULFILLED') exitCode = 1;
    });

  const dlq = program.command('dlq').description('list, inspect and redrive dead-letter queues');

  dlq
    .command('list')
    .description('every DLQ of the stage (queue DLQs and rule-target DLQs) with depth and oldest message age')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { clients, resources } = await setup(command);
      const statuses = await listDlqs(dlqContext(clients, resources));
      if (options.json) {
        out(JSON.stringify(statuses, null, 2));
        return;
      }
      printList(statuses, resources);
    });

  dlq
    .command('peek')
    .description('show the messages of a DLQ without removing them: detail-type, order id, failure reason')
    .argument('<queue>', 'DLQ name from `dlq list` (e.g. reserve-stock-dlq), its URL or its SQS name')
    .option('--limit <n>', 'most messages to show (1-100)', positiveInt('--limit', 100), 10)
    .option('--json', 'print JSON instead of text')
    .action(async (queue: string, options: { limit: number; json?: boolean }, command: Command) => {
      const { clients, resources } = await setup(command);
      const outcome = await peekDlq(dlqContext(clients, resources), findDlq(resources, queue), options.limit);
      if (options.json) {
        out(JSON.stringify({ ...outcome, dlq: outcome.dlq.name }, null, 2));
        return;
      }
      printPeek(outcome);
    });

  dlq
    .command('redrive')
    .description(
      'send the messages of a DLQ back to the step’s queue: queue DLQs by SQS move task (or re-send then delete), rule-target DLQs by re-send then delete',
    )
    .argument('<queue>', 'DLQ name from `dlq list`, its URL or its SQS name')
    .option('--dry-run', 'show what would be redriven, change nothing')
    .option('--rate <n>', 'at most this many messages per second', positiveNumber)
    .addOption(
      new Option(
        '--method <method>',
        'queue DLQs: auto (move task; re-send where the endpoint lacks move tasks), move-task, resend',
      )
        .choices(['auto', 'move-task', 'resend'])
        .default('auto'),
    )
    .option('--sample <n>', 'messages a dry run shows', positiveInt('--sample', 100), 10)
    .action(
      async (
        queue: string,
        options: { dryRun?: boolean; rate?: number; method: RedriveMethod; sample: number },
        command: Command,
      ) => {
        const { clients, resources } = await setup(command);
        const target = findDlq(resources, queue);
        const outcome = await redriveDlq(dlqContext(clients, resources), target, {
          dryRun: Boolean(options.dryRun),
          method: options.method,
          sample: options.sample,
          ...(options.rate === undefined ? {} : { rate: options.rate }),
        });
        printRedrive(outcome);
        if (!redriveSucceeded(outcome)) exitCode = 1;
      },
    );

  program
    .command('replay')
    .description("replay the stage's event archive into its bus (EventBridge StartReplay)")
    .requiredOption('--from <time>', `start of the window: ${TIME_FORMATS}`)
    .requiredOption('--to <time>', 'end of the window (same formats)')
    .option(
      '--detail-type <type>',
      `only to the rules that route this type (repeatable): ${DETAIL_TYPES.join(', ')}`,
      collect,
      [] as string[],
    )
    .option('--name <name>', 'replay name (default ops-<stage>-<time>)')
    .option('--dry-run', 'show what would be replayed, start nothing')
    .option('--no-wait', 'return once the replay started')
    .action(
      async (
        options: {
          from: string;
          to: string;
          detailType: string[];
          name?: string;
          dryRun?: boolean;
          wait: boolean;
        },
        command: Command,
      ) => {
        const window = parseWindow(options.from, options.to, now());
        const { clients, resources } = await setup(command);
        const outcome = await replayArchive(
          {
            events: clients.events,
            resources,
            isMoto: endpoint ? await (deps.isMoto ?? isMotoEndpoint)(endpoint) : false,
            now,
            sleep,
            progress: createProgress(deps.io.stderr),
            note: (line) => err(`note: ${line}`),
          },
          {
            ...window,
            detailTypes: options.detailType,
            dryRun: Boolean(options.dryRun),
            wait: options.wait,
            ...(options.name ? { name: options.name } : {}),
            ...(endpoint ? { pollMs: 500 } : {}),
          },
        );
        printReplay(outcome);
        if (!replaySucceeded(outcome)) exitCode = 1;
      },
    );

  function printOrder(o: OrderCheckOutcome, stage: string): void {
    const path = o.statuses.join(' -> ') || 'nothing stored';
    if (o.final === 'FULFILLED') {
      out(`Order ${o.orderId} went through every step (${path}) in ${formatDuration(o.elapsedMs)}.`);
      return;
    }
    if (o.final) {
      out(`Order ${o.orderId} ended ${o.final}${o.reason ? ` (${o.reason})` : ''}: ${path}.`);
      if (o.reason === 'OUT_OF_STOCK') out('Put stock first: add --stock 1.');
      return;
    }
    err(
      `Order ${o.orderId} reached no final state in ${formatDuration(o.elapsedMs)} (${path}): \`npm run ops -- dlq list --stage ${stage}\` and the functions' logs say where it stopped (docs/runbook.md).`,
    );
  }

  function printPreflight(report: PreflightReport): void {
    const label: Record<Check['status'], string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
    out(
      `Preflight of stage ${report.stage} in ${report.region}${report.account ? `, account ${report.account}` : ''}${endpoint ? ` (endpoint ${endpoint})` : ''}`,
    );
    const width = Math.max(...report.checks.map((c) => c.name.length));
    for (const c of report.checks) {
      out(`  ${label[c.status].padEnd(4)}  ${c.name.padEnd(width)}  ${c.summary}`);
      for (const step of c.fix ?? []) out(`        ${' '.repeat(width)}  -> ${step}`);
    }
    out();
    const count = (status: Check['status']) => report.checks.filter((c) => c.status === status).length;
    if (preflightBlocked(report)) {
      out(
        `Blocked: ${plural(count('fail'), 'check')} failed. Change what they say, then run \`npm run ops -- preflight --stage ${report.stage}\` again.`,
      );
      return;
    }
    const notes = [
      count('warn') > 0 ? `${plural(count('warn'), 'warning')} above` : '',
      count('skip') > 0
        ? `${plural(count('skip'), 'check')} not possible ${endpoint ? 'on this endpoint' : 'here'}`
        : '',
    ].filter(Boolean);
    const next = endpoint ? '.' : `: npx cdk deploy --all -c stage=${report.stage}`;
    out(`Nothing blocks a deploy${notes.length > 0 ? ` (${notes.join('; ')})` : ''}${next}`);
  }

  function printList(statuses: readonly DlqStatus[], resources: PipelineResources): void {
    out(`Dead-letter queues of ${resources.stage} (${resources.stacks.pipeline})`);
    for (const line of table(
      ['QUEUE', 'KIND', 'MESSAGES', 'IN FLIGHT', 'OLDEST'],
      statuses.map((s) => [s.name, s.kind, String(s.messages), String(s.inFlight), age(s.oldestAgeMs)]),
    )) {
      out(line);
    }
    const total = statuses.reduce((n, s) => n + s.messages + s.inFlight, 0);
    out();
    out(
      total === 0
        ? 'All dead-letter queues are empty.'
        : `${plural(total, 'message')} in ${plural(statuses.filter((s) => s.messages + s.inFlight > 0).length, 'queue')}: \`npm run ops -- dlq peek <queue> --stage ${resources.stage}\` shows why (docs/runbook.md).`,
    );
    out(
      endpoint
        ? 'Oldest: from the SentTimestamp of the first messages a peek returns (emulator: no CloudWatch metrics).'
        : 'Oldest: CloudWatch ApproximateAgeOfOldestMessage, latest minute of the last 15; - when SQS published none.',
    );
  }

  function printPeek(o: PeekOutcome): void {
    out(
      `${o.dlq.name} (${o.dlq.kind === 'source' ? `DLQ of the ${o.dlq.step} queue` : `target DLQ of the ${o.dlq.step} rule`}): ${plural(o.depth, 'message')}, showing ${o.messages.length}`,
    );
    const at = now();
    o.messages.forEach((m, i) => {
      for (const line of describeMessage(m, i, at)) out(line);
    });
    out();
    out('Nothing was removed: the messages are visible in the queue again.');
    if (o.notReleased > 0)
      err(`warning: ${plural(o.notReleased, 'message')} stay hidden for up to 20 s (release failed).`);
  }

  function printRedrive(o: RedriveOutcome): void {
    const how = {
      'move-task': 'SQS move task to the source queue',
      resend: 're-send to the source queue, then delete',
    }[o.method];
    if (o.dryRun) {
      out(
        `Dry run: would redrive ${plural(o.found, 'message')} from ${o.dlq.name} (${how}). Nothing changed.`,
      );
      o.sample?.forEach((m, i) => {
        for (const line of describeMessage(m, i, now())) out(line);
      });
      return;
    }
    if (o.found === 0) {
      out(`${o.dlq.name} is empty: nothing to redrive.`);
      return;
    }
    out(`Redrive of ${o.dlq.name} (${how}):`);
    out(
      `  found ${o.found}, redriven ${o.redriven}, failed ${o.failed.length}, re-sent but not deleted ${o.notDeleted}`,
    );
    if (o.moveTask) {
      out(
        `  move task ${o.moveTask.status}${o.moveTask.failureReason ? `: ${o.moveTask.failureReason}` : ''}`,
      );
    }
    for (const f of o.failed) err(`  failed ${f.messageId}: ${f.reason}`);
    if (o.notDeleted > 0) {
      err(
        `  ${plural(o.notDeleted, 'message')} reached the destination but stay in the DLQ: a later redrive sends them again, which the consumers' deduplication makes a no-op.`,
      );
    }
    if (o.redriven < o.found - o.failed.length - o.notDeleted) {
      out(
        `  ${o.found - o.redriven - o.failed.length - o.notDeleted} were not seen (in flight elsewhere or moved meanwhile): run \`dlq list\` again.`,
      );
    }
  }

  function printReplay(o: ReplayOutcome): void {
    const scope =
      o.rules.length > 0 ? `rules ${o.rules.map((r) => r.name).join(', ')}` : 'every rule of the bus';
    const head = `${o.archiveName}, ${o.from.toISOString()} to ${o.to.toISOString()}, to ${scope}`;
    if (o.dryRun) {
      out(
        `Dry run: would replay ${head}.${o.archivedEvents === undefined ? '' : ` The archive holds ${o.archivedEvents} events in all.`} Nothing started.`,
      );
      return;
    }
    out(`Replay ${o.name}: ${head}`);
    out(
      `  state ${o.state ?? 'unknown'}${o.stateReason ? ` (${o.stateReason})` : ''}${o.durationMs === undefined ? '' : ` after ${formatDuration(o.durationMs)}`}`,
    );
    if (o.state === 'STARTING' || o.state === 'RUNNING') {
      out(`  follow it with: aws events describe-replay --replay-name ${o.name}`);
    }
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof OpsError) {
      err(`error: ${e.message}`);
      return e.exitCode;
    }
    err(`error: ${describeError(e)}`);
    return 1;
  } finally {
    for (const c of opened) {
      c.sqs.destroy();
      c.events.destroy();
      c.cfn.destroy();
      c.cloudwatch.destroy();
      c.lambda.destroy();
      c.ssm.destroy();
      c.sts.destroy();
      c.dynamodb.destroy();
    }
  }
}
