import type { Command } from 'commander';
import { DETAIL_TYPES } from '../../../../lambda/contracts';
import { isMotoEndpoint } from '../endpoint';
import { formatDuration } from '../format';
import { createProgress } from '../progress';
import { type ReplayOutcome, replayArchive, replaySucceeded } from '../replay';
import { parseWindow, TIME_FORMATS } from '../time';
import type { OpsContext } from './context';
import { collect } from './options';

/** `ops replay`: the stage's event archive back into its bus, for a window and some detail-types. */
export function registerReplay(program: Command, ctx: OpsContext): void {
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
        const window = parseWindow(options.from, options.to, ctx.now());
        const { clients, resources } = await ctx.setup(command);
        const { endpoint } = ctx;
        const outcome = await replayArchive(
          {
            events: clients.events,
            resources,
            isMoto: endpoint ? await (ctx.deps.isMoto ?? isMotoEndpoint)(endpoint) : false,
            now: ctx.now,
            sleep: ctx.sleep,
            progress: createProgress(ctx.deps.io.stderr),
            note: (line) => ctx.err(`note: ${line}`),
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
        printReplay(ctx, outcome);
        if (!replaySucceeded(outcome)) ctx.fail();
      },
    );
}

function printReplay({ out }: OpsContext, o: ReplayOutcome): void {
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
