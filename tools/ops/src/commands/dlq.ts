import { findDlq, type PipelineResources } from '@order-pipeline/pipeline-client/discovery';
import type { MessageSummary } from '@order-pipeline/pipeline-client/messages';
import {
  type RedriveMethod,
  type RedriveOutcome,
  redriveDlq,
  redriveSucceeded,
} from '@order-pipeline/pipeline-client/redrive';
import { type Command, Option } from 'commander';
import { type DlqStatus, listDlqs, type PeekOutcome, peekDlq } from '../dlq';
import { formatDuration, plural, table } from '../format';
import type { OpsContext } from './context';
import { positiveInt, positiveNumber } from './options';

/** `ops dlq list|peek|redrive`: the stage's dead-letter queues. */
export function registerDlq(program: Command, ctx: OpsContext): void {
  const dlq = program.command('dlq').description('list, inspect and redrive dead-letter queues');

  dlq
    .command('list')
    .description('every DLQ of the stage (queue DLQs and rule-target DLQs) with depth and oldest message age')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { clients, resources } = await ctx.setup(command);
      const statuses = await listDlqs(ctx.dlqContext(clients, resources));
      if (options.json) {
        ctx.out(JSON.stringify(statuses, null, 2));
        return;
      }
      printList(ctx, statuses, resources);
    });

  dlq
    .command('peek')
    .description('show the messages of a DLQ without removing them: detail-type, order id, failure reason')
    .argument('<queue>', 'DLQ name from `dlq list` (e.g. reserve-stock-dlq), its URL or its SQS name')
    .option('--limit <n>', 'most messages to show (1-100)', positiveInt('--limit', 100), 10)
    .option('--json', 'print JSON instead of text')
    .action(async (queue: string, options: { limit: number; json?: boolean }, command: Command) => {
      const { clients, resources } = await ctx.setup(command);
      const outcome = await peekDlq(
        ctx.dlqContext(clients, resources),
        findDlq(resources, queue),
        options.limit,
      );
      if (options.json) {
        ctx.out(JSON.stringify({ ...outcome, dlq: outcome.dlq.name }, null, 2));
        return;
      }
      printPeek(ctx, outcome);
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
        const { clients, resources } = await ctx.setup(command);
        const target = findDlq(resources, queue);
        const outcome = await redriveDlq(ctx.dlqContext(clients, resources), target, {
          dryRun: Boolean(options.dryRun),
          method: options.method,
          sample: options.sample,
          ...(options.rate === undefined ? {} : { rate: options.rate }),
        });
        printRedrive(ctx, outcome);
        if (!redriveSucceeded(outcome)) ctx.fail();
      },
    );
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

function printList(
  { out, endpoint }: OpsContext,
  statuses: readonly DlqStatus[],
  resources: PipelineResources,
): void {
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

function printPeek({ out, err, now }: OpsContext, o: PeekOutcome): void {
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

function printRedrive({ out, err, now }: OpsContext, o: RedriveOutcome): void {
  const how = {
    'move-task': 'SQS move task to the source queue',
    resend: 're-send to the source queue, then delete',
  }[o.method];
  if (o.dryRun) {
    out(`Dry run: would redrive ${plural(o.found, 'message')} from ${o.dlq.name} (${how}). Nothing changed.`);
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
    out(`  move task ${o.moveTask.status}${o.moveTask.failureReason ? `: ${o.moveTask.failureReason}` : ''}`);
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
