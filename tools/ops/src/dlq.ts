import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, PipelineResources } from '@order-pipeline/pipeline-client/discovery';
import { type MessageSummary, summariseMessage } from '@order-pipeline/pipeline-client/messages';
import type { RedriveContext } from '@order-pipeline/pipeline-client/redrive';
import { peek, queueDepth, SQS_BATCH } from '@order-pipeline/pipeline-client/sqs';

/** What the DLQ commands need; the CLI builds it, unit tests pass mocks and fakes. */
export interface DlqContext extends RedriveContext {
  readonly cloudwatch: CloudWatchClient;
  readonly resources: PipelineResources;
}

// ---------------------------------------------------------------------------------------------- list

export interface DlqStatus {
  readonly name: string;
  readonly kind: DeadLetterQueue['kind'];
  readonly step: string;
  readonly messages: number;
  readonly inFlight: number;
  /** Age of the oldest message in ms; undefined when empty or unknown. */
  readonly oldestAgeMs?: number;
  /** Where the age comes from. */
  readonly ageSource: 'cloudwatch' | 'peek' | 'none';
}

/** How far back to look for the ApproximateAgeOfOldestMessage datapoint (SQS publishes one a minute). */
const AGE_METRIC_LOOKBACK_MS = 15 * 60_000;

async function agesFromCloudWatch(
  cloudwatch: CloudWatchClient,
  queueNames: readonly string[],
  now: Date,
): Promise<Map<string, number>> {
  const ages = new Map<string, number>();
  if (queueNames.length === 0) return ages;
  const res = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - AGE_METRIC_LOOKBACK_MS),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: queueNames.map((name, i) => ({
        Id: `q${i}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: name }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
      })),
    }),
  );
  for (const result of res.MetricDataResults ?? []) {
    const index = Number(result.Id?.slice(1));
    const latest = result.Values?.[0];
    const name = queueNames[index];
    if (name !== undefined && latest !== undefined) ages.set(name, latest * 1000);
  }
  return ages;
}

/** Oldest SentTimestamp among the first messages a peek returns: exact for small DLQs, a lower bound otherwise. */
async function ageFromPeek(sqs: SQSClient, url: string, now: Date): Promise<number | undefined> {
  const { messages } = await peek(sqs, url, SQS_BATCH);
  const sent = messages
    .map((m) => Number(m.Attributes?.SentTimestamp))
    .filter((t) => Number.isFinite(t) && t > 0);
  return sent.length === 0 ? undefined : now.getTime() - Math.min(...sent);
}

export async function listDlqs(ctx: DlqContext): Promise<DlqStatus[]> {
  const depths = await Promise.all(ctx.resources.dlqs.map((d) => queueDepth(ctx.sqs, d.url)));
  const now = ctx.now();
  const nonEmpty = ctx.resources.dlqs.filter(
    (_, i) => (depths[i]?.visible ?? 0) + (depths[i]?.inFlight ?? 0) > 0,
  );
  const queueName = (d: DeadLetterQueue) => d.url.split('/').pop() ?? d.url;
  const cloudWatchAges = ctx.isEmulator
    ? new Map<string, number>()
    : await agesFromCloudWatch(ctx.cloudwatch, nonEmpty.map(queueName), now);
  const statuses: DlqStatus[] = [];
  for (const [i, d] of ctx.resources.dlqs.entries()) {
    const depth = depths[i] ?? { visible: 0, inFlight: 0 };
    const empty = depth.visible + depth.inFlight === 0;
    let oldestAgeMs: number | undefined;
    let ageSource: DlqStatus['ageSource'] = 'none';
    if (!empty && ctx.isEmulator) {
      oldestAgeMs = depth.visible > 0 ? await ageFromPeek(ctx.sqs, d.url, now) : undefined;
      ageSource = oldestAgeMs === undefined ? 'none' : 'peek';
    } else if (!empty) {
      oldestAgeMs = cloudWatchAges.get(queueName(d));
      ageSource = oldestAgeMs === undefined ? 'none' : 'cloudwatch';
    }
    statuses.push({
      name: d.name,
      kind: d.kind,
      step: d.step,
      messages: depth.visible,
      inFlight: depth.inFlight,
      ...(oldestAgeMs === undefined ? {} : { oldestAgeMs }),
      ageSource,
    });
  }
  return statuses;
}

// ---------------------------------------------------------------------------------------------- peek

export interface PeekOutcome {
  readonly dlq: DeadLetterQueue;
  readonly depth: number;
  readonly messages: readonly MessageSummary[];
  readonly notReleased: number;
}

export async function peekDlq(ctx: DlqContext, dlq: DeadLetterQueue, limit: number): Promise<PeekOutcome> {
  const depth = await queueDepth(ctx.sqs, dlq.url);
  const { messages, notReleased } = await peek(ctx.sqs, dlq.url, limit);
  return {
    dlq,
    depth: depth.visible,
    messages: messages.map((m) => summariseMessage(m, dlq.kind, dlq.step)),
    notReleased,
  };
}
