import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { DETAIL_TYPES, EVENT_CONTRACTS } from '../lambda/contracts';
import { loadStageConfig } from '../lib/config';
import { addOrderPipeline } from '../lib/order-pipeline';

/**
 * Generates docs/architecture.md, a Mermaid diagram of the pipeline, from the synthesized CloudFormation
 * templates (bundling skipped: only the wiring matters): bus, archive, rules and the detail types they
 * route, queues, DLQs, functions, the tables they use, and what they publish. Run
 * `npm run docs:architecture` after changing lib/; test/scripts/generate-architecture.test.ts fails while
 * the committed file differs. The output depends only on the templates and the contracts.
 */

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARCHITECTURE_DOCS_PATH = join(PROJECT_ROOT, 'docs', 'architecture.md');
/** The stage drawn. Stages differ in numbers (timeouts, retention), not in shape. */
export const ARCHITECTURE_STAGE = 'dev';

type Json = unknown;
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: Json; readonly Export?: { readonly Name: Json } }>;
}

export class ArchitectureError extends Error {
  override readonly name = 'ArchitectureError';
}

export interface Step {
  /** The function's service name (`POWERTOOLS_SERVICE_NAME`), e.g. `reserve-stock`. */
  readonly name: string;
  readonly detailTypes: readonly string[];
  readonly targetRetryAttempts?: number;
  readonly targetMaxEventAgeSeconds?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  readonly dlqRetentionSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
  readonly batchSize?: number;
  readonly maxConcurrency?: number;
  /** Table names (construct ids in the data stack, lowercase). */
  readonly tables: readonly string[];
  readonly publishes: boolean;
}

export interface Architecture {
  readonly busName: string;
  readonly archive?: { readonly pattern: string; readonly retentionDays?: number };
  readonly steps: readonly Step[];
  readonly tables: readonly string[];
  readonly alarms: number;
  readonly alarmTopic: boolean;
  readonly dashboard: boolean;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
function target(v: Json): string | undefined {
  if (!isObject(v)) return undefined;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

function ofType(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources ?? {}).filter(([, r]) => r.Type === type);
}

/** `OrdersA9B65338` -> `orders`: the construct id, without CDK's hash. */
function constructName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '').toLowerCase();
}

function num(v: Json): number | undefined {
  return typeof v === 'number'
    ? v
    : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
}

/** Reads the pipeline's wiring from the two synthesized templates. */
export function describeArchitecture(data: CfnTemplate, pipeline: CfnTemplate): Architecture {
  // Exports of the data stack: `<stack>:ExportsOutputRef<Table>...` -> the table's logical id.
  const exported = new Map<string, string>();
  for (const o of Object.values(data.Outputs ?? {})) {
    const id = target(o.Value);
    if (typeof o.Export?.Name === 'string' && id) exported.set(o.Export.Name, id);
  }
  const dataTables = new Set(ofType(data, 'AWS::DynamoDB::Table').map(([id]) => id));

  const buses = ofType(pipeline, 'AWS::Events::EventBus');
  if (buses.length !== 1) throw new ArchitectureError(`expected one event bus, found ${buses.length}`);
  const [busId] = buses[0] as [string, CfnResource];
  const archive = ofType(pipeline, 'AWS::Events::Archive').find(
    ([, a]) => target(a.Properties?.SourceArn) === busId,
  )?.[1];

  const queues = new Map(ofType(pipeline, 'AWS::SQS::Queue'));
  const functions = new Map(ofType(pipeline, 'AWS::Lambda::Function'));
  const mappings = ofType(pipeline, 'AWS::Lambda::EventSourceMapping');

  const steps: Step[] = [];
  for (const [ruleId, rule] of ofType(pipeline, 'AWS::Events::Rule')) {
    if (target(rule.Properties?.EventBusName) !== busId) continue;
    const pattern = rule.Properties?.EventPattern;
    const detailTypes =
      isObject(pattern) && Array.isArray(pattern['detail-type']) ? (pattern['detail-type'] as string[]) : [];
    const targets = (rule.Properties?.Targets as Record<string, Json>[] | undefined) ?? [];
    if (targets.length !== 1)
      throw new ArchitectureError(`rule ${ruleId} has ${targets.length} targets, expected one queue`);
    const t = targets[0] as Record<string, Json>;
    const queueId = target(t.Arn);
    const queue = queueId ? queues.get(queueId) : undefined;
    if (!queueId || !queue)
      throw new ArchitectureError(
        `rule ${ruleId} targets ${JSON.stringify(t.Arn)}, not a queue of the template`,
      );
    const targetDlq = isObject(t.DeadLetterConfig) ? target(t.DeadLetterConfig.Arn) : undefined;
    if (!targetDlq || !queues.has(targetDlq))
      throw new ArchitectureError(`rule ${ruleId} has no target dead-letter queue`);
    const redrive = queue.Properties?.RedrivePolicy;
    const dlqId = isObject(redrive) ? target(redrive.deadLetterTargetArn) : undefined;
    if (!dlqId || !queues.has(dlqId))
      throw new ArchitectureError(`queue ${queueId} has no dead-letter queue`);

    const mapping = mappings.find(([, m]) => target(m.Properties?.EventSourceArn) === queueId)?.[1];
    const fnId = target(mapping?.Properties?.FunctionName);
    const fn = fnId ? functions.get(fnId) : undefined;
    if (!mapping || !fnId || !fn) throw new ArchitectureError(`queue ${queueId} has no function reading it`);
    const env = (isObject(fn.Properties?.Environment) ? fn.Properties?.Environment.Variables : undefined) as
      | Record<string, Json>
      | undefined;
    const name =
      typeof env?.POWERTOOLS_SERVICE_NAME === 'string' ? env.POWERTOOLS_SERVICE_NAME : constructName(fnId);
    const tables = Object.values(env ?? {})
      .map((v) =>
        isObject(v) && typeof v['Fn::ImportValue'] === 'string'
          ? exported.get(v['Fn::ImportValue'])
          : undefined,
      )
      .filter((id): id is string => id !== undefined && dataTables.has(id))
      .map(constructName)
      .sort();
    const retry = isObject(t.RetryPolicy) ? t.RetryPolicy : {};
    const scaling = isObject(mapping.Properties?.ScalingConfig) ? mapping.Properties.ScalingConfig : {};
    steps.push({
      name,
      detailTypes,
      targetRetryAttempts: num(retry.MaximumRetryAttempts),
      targetMaxEventAgeSeconds: num(retry.MaximumEventAgeInSeconds),
      visibilityTimeoutSeconds: num(queue.Properties?.VisibilityTimeout),
      maxReceiveCount: isObject(redrive) ? num(redrive.maxReceiveCount) : undefined,
      dlqRetentionSeconds: num(queues.get(dlqId)?.Properties?.MessageRetentionPeriod),
      timeoutSeconds: num(fn.Properties?.Timeout),
      memoryMb: num(fn.Properties?.MemorySize),
      batchSize: num(mapping.Properties?.BatchSize),
      maxConcurrency: num(scaling.MaximumConcurrency),
      tables,
      publishes: target(env?.EVENT_BUS_NAME) === busId,
    });
  }
  const flowOrder = (s: Step) => {
    const i = DETAIL_TYPES.indexOf(s.detailTypes[0] as (typeof DETAIL_TYPES)[number]);
    return s.detailTypes.length === DETAIL_TYPES.length
      ? DETAIL_TYPES.length
      : i < 0
        ? DETAIL_TYPES.length + 1
        : i;
  };
  steps.sort((a, b) => flowOrder(a) - flowOrder(b) || a.name.localeCompare(b.name));

  const archivePattern = archive?.Properties?.EventPattern;
  return {
    busName: constructName(busId),
    ...(archive
      ? {
          archive: {
            pattern: typeof archivePattern === 'string' ? archivePattern : JSON.stringify(archivePattern),
            ...(num(archive.Properties?.RetentionDays) === undefined
              ? {}
              : { retentionDays: num(archive.Properties?.RetentionDays) }),
          },
        }
      : {}),
    steps,
    tables: [...dataTables].map(constructName).sort(),
    alarms: ofType(pipeline, 'AWS::CloudWatch::Alarm').length,
    alarmTopic: ofType(pipeline, 'AWS::SNS::Topic').length > 0,
    dashboard: ofType(pipeline, 'AWS::CloudWatch::Dashboard').length > 0,
  };
}

/** Mermaid node ids: letters, digits and underscores. */
const nodeId = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

function routes(types: readonly string[]): string {
  return types.length === DETAIL_TYPES.length && DETAIL_TYPES.every((t) => types.includes(t))
    ? `every event type (${types.length})`
    : types.join(', ');
}

/** The detail types a step publishes, from the contracts (`producer`). */
function publishedBy(step: string): string[] {
  return EVENT_CONTRACTS.filter((c) => c.producer === step).map((c) => c.detailType);
}

function seconds(s: number | undefined): string {
  if (s === undefined) return '-';
  if (s > 86_400 && s % 86_400 === 0) return `${s / 86_400} d`;
  if (s >= 3_600 && s % 3_600 === 0) return `${s / 3_600} h`;
  return `${s} s`;
}

export function renderArchitecture(a: Architecture, stage: string): string {
  const lines: string[] = [];
  const bus = nodeId('bus', a.busName);
  lines.push('```mermaid', 'flowchart LR');
  const external = EVENT_CONTRACTS.filter((c) => !a.steps.some((s) => s.name === c.producer));
  for (const c of external) {
    lines.push(`  ${nodeId('producer', c.producer)}(["${c.producer}"]) -- ${c.detailType} --> ${bus}`);
  }
  lines.push(`  ${bus}{{"event bus"}}`);
  if (a.archive) {
    lines.push(
      `  ${bus} -. "archived${a.archive.retentionDays ? ` ${a.archive.retentionDays} d` : ''}" .-> archive[("archive")]`,
    );
  }
  for (const t of a.tables) lines.push(`  ${nodeId('table', t)}[("${t} table")]`);
  for (const s of a.steps) {
    const [rule, queue, dlq, tdlq, fn] = ['rule', 'queue', 'dlq', 'tdlq', 'fn'].map((p) =>
      nodeId(p, s.name),
    ) as [string, string, string, string, string];
    lines.push(`  subgraph ${nodeId('step', s.name)}["${s.name}"]`);
    lines.push(`    ${rule}["rule"] --> ${queue}[["queue"]] --> ${fn}("${s.name} function")`);
    lines.push(`    ${queue} -. "after ${s.maxReceiveCount ?? '?'} receives" .-> ${dlq}[["DLQ"]]`);
    lines.push(`    ${rule} -. undeliverable .-> ${tdlq}[["target DLQ"]]`);
    lines.push('  end');
    lines.push(`  ${bus} -- "${routes(s.detailTypes)}" --> ${rule}`);
    for (const t of s.tables) lines.push(`  ${fn} --> ${nodeId('table', t)}`);
    if (s.publishes) {
      const types = publishedBy(s.name);
      lines.push(`  ${fn} -- "${types.length > 0 ? types.join(', ') : 'events'}" --> ${bus}`);
    }
  }
  lines.push('```');

  const table = [
    '| step | routes | queue visibility | DLQ after | function timeout, memory | batch, concurrency | tables | publishes |',
    '|---|---|---|---|---|---|---|---|',
    ...a.steps.map(
      (s) =>
        `| ${s.name} | ${routes(s.detailTypes)} | ${seconds(s.visibilityTimeoutSeconds)} | ${s.maxReceiveCount ?? '-'} receives (kept ${seconds(s.dlqRetentionSeconds)}) | ${seconds(s.timeoutSeconds)}, ${s.memoryMb ?? '-'} MB | ${s.batchSize ?? '-'}, ${s.maxConcurrency ?? '-'} | ${s.tables.join(', ') || '-'} | ${s.publishes ? publishedBy(s.name).join(', ') || 'yes' : '-'} |`,
    ),
  ];
  const retry = a.steps[0];
  return [
    '# Architecture',
    '',
    `<!-- Generated by \`npm run docs:architecture\` (scripts/generate-architecture.ts) from the synthesized templates of stage ${stage}. Do not edit: a test fails while this file is stale. -->`,
    '',
    `The ${stage} stage as synthesized (\`OrderPipeline-${stage}-Data\`, \`OrderPipeline-${stage}-Pipeline\`); other stages differ in`,
    'numbers (timeouts, retention), not in shape. Edges from the bus carry the detail types each rule routes;',
    'edges back to the bus the types each function publishes (from the contracts in `lambda/contracts`).',
    'Why it is built this way: [design](design.md); what each event holds: [events](events.md).',
    '',
    ...lines,
    '',
    table.join('\n'),
    '',
    `Every rule target retries delivery ${retry?.targetRetryAttempts ?? '-'} times for up to ${seconds(retry?.targetMaxEventAgeSeconds)}, then puts the event in its target DLQ.`,
    `Monitoring: ${a.alarms} CloudWatch alarms${a.alarmTopic ? ' notify one encrypted SNS topic' : ''}${a.dashboard ? `, and the dashboard \`OrderPipeline-${stage}\` shows them` : ''}; what to do for each: [runbook](runbook.md).`,
    '',
  ].join('\n');
}

/** The stage's templates as `cdk synth` writes them, without bundling (placeholder assets). */
export function synthesizedTemplates(stage = ARCHITECTURE_STAGE): {
  data: CfnTemplate;
  pipeline: CfnTemplate;
} {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const { data, pipeline } = addOrderPipeline(app, loadStageConfig(stage));
  const assembly = app.synth();
  return {
    data: assembly.getStackByName(data.stackName).template as CfnTemplate,
    pipeline: assembly.getStackByName(pipeline.stackName).template as CfnTemplate,
  };
}

export function generateArchitectureDocs(stage = ARCHITECTURE_STAGE): string {
  const { data, pipeline } = synthesizedTemplates(stage);
  return renderArchitecture(describeArchitecture(data, pipeline), stage);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(ARCHITECTURE_DOCS_PATH, generateArchitectureDocs());
  console.log(`wrote ${ARCHITECTURE_DOCS_PATH}`);
}
