import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Command } from 'commander';
import { loadStageConfig } from '../../../../lib/config';
import { formatDuration } from '../format';
import { type OrderCheckOutcome, placeCheckOrder } from '../order';
import type { OpsContext } from './context';
import { positiveInt, wholeNumber } from './options';

/** `ops order`: the first-deploy check, one order placed as a client would and followed to its end. */
export function registerOrder(program: Command, ctx: OpsContext): void {
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
      const { clients, resources } = await ctx.setup(command);
      const [currency = 'EUR'] = loadStageConfig(resources.stage).currencies;
      const ddb = DynamoDBDocumentClient.from(clients.dynamodb);
      const outcome = await placeCheckOrder(
        {
          events: clients.events,
          ddb,
          resources,
          now: ctx.now,
          sleep: ctx.sleep,
          onStatus: (status, ms) => ctx.out(`  ${status.padEnd(15)} after ${formatDuration(ms)}`),
        },
        {
          productId: options.product,
          currency,
          timeoutMs: options.timeout * 1000,
          ...(options.stock === undefined ? {} : { stock: options.stock }),
          ...(ctx.endpoint ? { pollMs: 250 } : {}),
        },
      );
      printOrder(ctx, outcome, resources.stage);
      if (outcome.final !== 'FULFILLED') ctx.fail();
    });
}

function printOrder({ out, err }: OpsContext, o: OrderCheckOutcome, stage: string): void {
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
