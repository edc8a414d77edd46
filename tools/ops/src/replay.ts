import {
  DescribeArchiveCommand,
  type DescribeArchiveCommandOutput,
  DescribeReplayCommand,
  type EventBridgeClient,
  ListRulesCommand,
  type Rule,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import type { PipelineResources } from '@order-pipeline/pipeline-client/discovery';
import { DETAIL_TYPES } from '../../../lambda/contracts';
import { OpsError, UsageError } from './errors';
import type { Progress } from './progress';

/**
 * Replays the stage's archive into its bus. Every consumer is idempotent on the order's state (and
 * analytics on seen-event markers), so replaying events that were processed changes nothing; events
 * that were lost downstream get processed.
 */

export interface ReplayContext {
  readonly events: EventBridgeClient;
  readonly resources: PipelineResources;
  /** Set when the endpoint is moto, whose replay ignores the window and the rule filter. */
  readonly isMoto: boolean;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: Progress;
  readonly note: (line: string) => void;
}

export interface ReplayOptions {
  readonly from: Date;
  readonly to: Date;
  /** Replay only to the rules that route these detail types. @default - every rule of the bus */
  readonly detailTypes: readonly string[];
  /** @default - `ops-<stage>-<time>` */
  readonly name?: string;
  readonly dryRun: boolean;
  /** Wait for the replay to finish (with progress) or return once it started. */
  readonly wait: boolean;
  /** @default 5 s (AWS replays take minutes) */
  readonly pollMs?: number;
}

export interface ReplayOutcome {
  readonly name: string;
  readonly archiveName: string;
  readonly from: Date;
  readonly to: Date;
  /** The rules the replay is limited to; empty = every rule of the bus. */
  readonly rules: readonly { readonly name: string; readonly arn: string }[];
  readonly dryRun: boolean;
  /** Events in the archive (all time), as DescribeArchive reports them. */
  readonly archivedEvents?: number;
  /** Final (or last seen, without --wait) state: COMPLETED, FAILED, CANCELLED, RUNNING, STARTING. */
  readonly state?: string;
  readonly stateReason?: string;
  readonly durationMs?: number;
}

export function replaySucceeded(o: ReplayOutcome): boolean {
  return o.dryRun || o.state === 'COMPLETED' || o.state === 'STARTING' || o.state === 'RUNNING';
}

const REPLAY_DONE = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const REPLAY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

/** The detail types a rule's pattern routes; undefined when it routes every detail type. */
export function detailTypesOf(rule: Rule): readonly string[] | undefined {
  if (!rule.EventPattern) return undefined;
  try {
    const pattern = JSON.parse(rule.EventPattern) as Record<string, unknown>;
    const types = pattern['detail-type'];
    return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : undefined;
  } catch {
    return undefined;
  }
}

async function busRules(events: EventBridgeClient, busName: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let token: string | undefined;
  do {
    const res = await events.send(new ListRulesCommand({ EventBusName: busName, NextToken: token }));
    rules.push(...(res.Rules ?? []));
    token = res.NextToken;
  } while (token);
  // Rules EventBridge manages itself (the archive's) are not replay destinations.
  return rules.filter((r) => !r.ManagedBy && r.Arn && r.Name);
}

function defaultName(stage: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `ops-${stage}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function replayArchive(ctx: ReplayContext, options: ReplayOptions): Promise<ReplayOutcome> {
  const { resources } = ctx;
  const unknown = options.detailTypes.filter(
    (t) => !DETAIL_TYPES.includes(t as (typeof DETAIL_TYPES)[number]),
  );
  if (unknown.length > 0) {
    throw new UsageError(`unknown --detail-type ${unknown.join(', ')}. Known: ${DETAIL_TYPES.join(', ')}`);
  }
  const name = options.name ?? defaultName(resources.stage, ctx.now());
  if (!REPLAY_NAME.test(name)) {
    throw new UsageError(`--name "${name}": 1-64 letters, digits, dots, dashes and underscores.`);
  }

  let rules: { name: string; arn: string }[] = [];
  if (options.detailTypes.length > 0) {
    const all = await busRules(ctx.events, resources.eventBusName);
    rules = all
      .filter((r) => {
        const types = detailTypesOf(r);
        return types === undefined || options.detailTypes.some((t) => types.includes(t));
      })
      .map((r) => ({ name: r.Name ?? '', arn: r.Arn ?? '' }));
    if (rules.length === 0) {
      throw new UsageError(
        `no rule on bus ${resources.eventBusName} routes ${options.detailTypes.join(', ')}.`,
      );
    }
    const broad = all.filter(
      (r) =>
        rules.some((x) => x.arn === r.Arn) &&
        (detailTypesOf(r)?.length ?? Infinity) > options.detailTypes.length,
    );
    if (broad.length > 0) {
      ctx.note(
        `EventBridge replays to whole rules: ${broad.map((r) => r.Name).join(', ')} also route other detail types and receive those events from the window too (a no-op for processed events).`,
      );
    }
  }

  let archive: DescribeArchiveCommandOutput;
  try {
    archive = await ctx.events.send(new DescribeArchiveCommand({ ArchiveName: resources.archiveName }));
  } catch (err) {
    throw new OpsError(
      `archive ${resources.archiveName} of stage ${resources.stage}: ${(err as Error).message}`,
    );
  }
  if (!archive.ArchiveArn) throw new OpsError(`archive ${resources.archiveName} has no ARN`);
  if (archive.CreationTime && options.from.getTime() < archive.CreationTime.getTime()) {
    ctx.note(
      `--from is before the archive was created (${archive.CreationTime.toISOString()}): nothing older exists.`,
    );
  }
  const retentionDays = archive.RetentionDays ?? 0;
  if (retentionDays > 0 && options.from.getTime() < ctx.now().getTime() - retentionDays * 86_400_000) {
    ctx.note(`--from is older than the archive's retention (${retentionDays} days): those events are gone.`);
  }
  if (ctx.isMoto) {
    ctx.note(
      'moto replays every archived event to every rule of the bus, synchronously, ignoring --from/--to and --detail-type (moto 5.2.1 events backend); AWS honours both.',
    );
  }

  const outcome = {
    name,
    archiveName: resources.archiveName,
    from: options.from,
    to: options.to,
    rules,
    dryRun: options.dryRun,
    ...(archive.EventCount === undefined ? {} : { archivedEvents: archive.EventCount }),
  };
  if (options.dryRun) return outcome;

  const startedAt = ctx.now().getTime();
  await ctx.events.send(
    new StartReplayCommand({
      ReplayName: name,
      Description: `ops CLI replay of ${resources.stage}${options.detailTypes.length > 0 ? ` (${options.detailTypes.join(', ')})` : ''}`,
      EventSourceArn: archive.ArchiveArn,
      EventStartTime: options.from,
      EventEndTime: options.to,
      Destination: {
        Arn: resources.eventBusArn,
        ...(rules.length > 0 ? { FilterArns: rules.map((r) => r.arn) } : {}),
      },
    }),
  );
  ctx.note(`started replay ${name}`);
  if (!options.wait) {
    const res = await ctx.events.send(new DescribeReplayCommand({ ReplayName: name }));
    return { ...outcome, state: res.State ?? 'STARTING' };
  }

  const span = options.to.getTime() - options.from.getTime();
  ctx.progress.start(100, `replay ${name}`);
  try {
    for (;;) {
      const res = await ctx.events.send(new DescribeReplayCommand({ ReplayName: name }));
      const last = res.EventLastReplayedTime?.getTime();
      if (last !== undefined) {
        ctx.progress.update(
          Math.max(0, Math.min(100, Math.round(((last - options.from.getTime()) / span) * 100))),
        );
      }
      if (res.State && REPLAY_DONE.has(res.State)) {
        if (res.State === 'COMPLETED') ctx.progress.update(100);
        return {
          ...outcome,
          state: res.State,
          ...(res.StateReason ? { stateReason: res.StateReason } : {}),
          durationMs: ctx.now().getTime() - startedAt,
        };
      }
      await ctx.sleep(options.pollMs ?? 5_000);
    }
  } finally {
    ctx.progress.stop();
  }
}
