import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stageOutput } from '@order-pipeline/pipeline-client/discovery';
import type { Command } from 'commander';
import { EventBridgePublisher } from '../../../../lambda/adapters/event-publisher';
import { findAccepted, publishAccepted } from '../accepted';
import { describeError } from '../errors';
import { formatDuration } from '../format';
import type { OpsContext } from './context';
import { positiveInt } from './options';

/** The largest `--older-than`, a week in minutes; the orders older than the age asked for are all listed. */
const MAX_AGE_MINUTES = 7 * 24 * 60;

/**
 * `ops accepted`: orders still ACCEPTED after `--older-than` minutes, whose OrderPlaced may never have
 * reached the bus; `--publish` puts each one's stored event there again (tools/ops/src/accepted.ts).
 */
export function registerAccepted(program: Command, ctx: OpsContext): void {
  program
    .command('accepted')
    .description(
      'list orders still ACCEPTED after --older-than minutes (their OrderPlaced may never have reached the bus); --publish puts each stored event on the bus again',
    )
    .option(
      '--older-than <minutes>',
      'only orders accepted at least this many minutes ago',
      positiveInt('--older-than', MAX_AGE_MINUTES),
      10,
    )
    .option('--publish', "put each listed order's stored OrderPlaced on the bus again")
    .action(async (options: { olderThan: number; publish?: boolean }, command: Command) => {
      const { clients, resources } = await ctx.setup(command);
      const ddb = DynamoDBDocumentClient.from(clients.dynamodb);
      const now = ctx.now();
      const cutoff = new Date(now.getTime() - options.olderThan * 60_000);
      const orders = await findAccepted(ddb, stageOutput(resources, 'OrdersTableName'), cutoff);
      if (orders.length === 0) {
        ctx.out(`No order has been ACCEPTED for ${options.olderThan} minutes or more.`);
        return;
      }
      ctx.out(`${orders.length} order(s) ACCEPTED for ${options.olderThan} minutes or more:`);
      for (const { order, acceptedAt } of orders) {
        const age = formatDuration(now.getTime() - Date.parse(acceptedAt));
        ctx.out(`  ${order.orderId}  accepted ${acceptedAt} (${age} ago)`);
      }
      if (!options.publish) {
        ctx.out(
          'Add --publish to put their OrderPlaced on the bus again (docs/runbook.md, "API server errors").',
        );
        return;
      }
      const publisher = new EventBridgePublisher({
        client: clients.events,
        eventBusName: resources.eventBusName,
        sleep: ctx.sleep,
      });
      const outcomes = await publishAccepted(orders, publisher);
      for (const { orderId, error } of outcomes) {
        if (error === undefined) ctx.out(`  published OrderPlaced of ${orderId}`);
        else ctx.err(`  not published: ${orderId}: ${describeError(error)}`);
      }
      const failed = outcomes.filter((o) => o.error !== undefined).length;
      ctx.out(`Published ${outcomes.length - failed} of ${outcomes.length}.`);
      if (failed > 0) ctx.fail();
    });
}
