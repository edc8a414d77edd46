import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deployApp, synthesize } from '@order-pipeline/local-cloud/deploy';
import {
  type Emulator,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  startEmulator,
} from '@order-pipeline/local-cloud/emulator';
import { startLocalHttpApis } from '@order-pipeline/local-cloud/http-api';
import { discoverSqsMappings, LocalLambdaRunner } from '@order-pipeline/local-cloud/lambda-runner';
import { ensureMoto } from '@order-pipeline/local-cloud/moto-setup';
import { ConfigError, loadStageConfig } from '../../../lib/config';
import { stackNames } from '../../../lib/order-pipeline';
import { startFaultProxy } from './fault-proxy';
import { startJwtApi } from './jwt-api';

/**
 * Where the integration suite runs, chosen by INTEGRATION_TARGET. The global setup starts (or finds) the
 * target and hands the tests a serializable TargetDescription; the tests then talk to it only through
 * AWS APIs (test/integration/support/pipeline.ts).
 *
 * - local (default, CI): moto on loopback, the real app (`cdk synth -c stage=test`) deployed by
 *   tools/local-cloud/src/deploy.ts, its bundles run by the local Lambda runner behind a fault proxy.
 * - localstack: LocalStack from docker-compose.yml runs the functions; `cdklocal deploy` deploys.
 * - aws: a deployed non-production stage, described by `cdk deploy --outputs-file`.
 */

export const TARGET_KINDS = ['local', 'localstack', 'aws'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** The consumers, by construct id: the prefix of their stack outputs (`<Id>QueueUrl`, `<Id>DlqUrl`...). */
export const CONSUMER_IDS = [
  'ValidateOrder',
  'ReserveStock',
  'TakePayment',
  'ReleaseStock',
  'FulfilOrder',
  'Analytics',
] as const;
export type ConsumerId = (typeof CONSUMER_IDS)[number];

export interface QueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/** What the tests get from the global setup (it crosses into the test workers, so plain data only). */
export interface TargetDescription {
  readonly kind: TargetKind;
  readonly stage: string;
  readonly region: string;
  readonly account: string;
  /** The emulator; undefined on AWS, where the SDK resolves endpoints itself. */
  readonly endpoint?: string;
  /** Outputs of the stage's Data and Pipeline stacks. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Base URL of the stage's orders API, without a trailing slash: the local HTTP API gateway
   * (tools/local-cloud/src/http-api/) on the local target, the `ApiUrl` stack output elsewhere.
   */
  readonly apiUrl: string;
  /**
   * local: the same API and functions as a JWT stage serves them (test/integration/support/jwt-api.ts),
   * and the issuer file to mint its tokens with (mintTokenFromFile).
   */
  readonly jwtApi?: { readonly url: string; readonly issuerFile: string };
  /** Visibility timeout and redrive policy of each consumer's queue, read from the target. */
  readonly queues: Readonly<Record<ConsumerId, QueueSettings>>;
  /** Where the functions' log lines can be read: a file (local) or CloudWatch Logs log groups. */
  readonly logs:
    | { readonly kind: 'file'; readonly path: string }
    | { readonly kind: 'cloudwatch'; readonly logGroups: Readonly<Record<ConsumerId, string>> };
  /** local: the runner's invocation reports, one JSON object per line. */
  readonly invocationsFile?: string;
  /** local: the fault proxy's control endpoint (test/integration/support/fault-proxy.ts). */
  readonly faultProxy?: string;
  /** local: the deployed cloud assembly, which the mechanics tests reuse instead of synthesizing again. */
  readonly assemblyDirectory?: string;
  /** When the setup started (ms): log searches start here. */
  readonly startedAt: number;
}

export interface RunningTarget {
  readonly description: TargetDescription;
  stop(): Promise<void>;
}

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
/** Gitignored. Each run works in `run-<pid>` (assembly, function logs, invocation reports). */
export const WORK_DIR = join(PROJECT_ROOT, '.local', 'integration');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This run's directory. The directories of finished runs are removed (the latest one stays until the next
 * run, for a post-mortem); a run still going on elsewhere keeps its own.
 */
function runDirectory(): string {
  mkdirSync(WORK_DIR, { recursive: true });
  for (const name of readdirSync(WORK_DIR)) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid))
      rmSync(join(WORK_DIR, name), { recursive: true, force: true });
  }
  const dir = join(WORK_DIR, `run-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return dir;
}

/**
 * Pollers per queue for the local runner. The stacks allow 10 (MAX_CONCURRENCY); 2 still gives each queue
 * concurrent invocations (and a batch's records run in parallel), while a burst of cold starts on a
 * 2-core machine would push invocations past the function timeout (3 s in stage test), and a timed-out
 * environment is replaced by a new cold one.
 */
export const LOCAL_POLLERS_PER_QUEUE = 2;

const LOCALSTACK_DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';
const LOCALSTACK_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
const LOCALSTACK_REGION = 'us-east-1';

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** The variable through which the global setup hands the TargetDescription to the test files. */
export const TARGET_DESCRIPTION_VARIABLE = 'INTEGRATION_TARGET_DESCRIPTION';

/** The target the global setup started, as it described it. */
export function describedTarget(): TargetDescription {
  const json = process.env[TARGET_DESCRIPTION_VARIABLE];
  if (!json) {
    throw new TargetError(
      `${TARGET_DESCRIPTION_VARIABLE} is not set: run the integration tests with \`npm run test:integration\`, whose global setup starts the target`,
    );
  }
  return JSON.parse(json) as TargetDescription;
}

export function targetKind(value = process.env.INTEGRATION_TARGET): TargetKind {
  const kind = value === undefined || value === '' ? 'local' : value;
  if (!(TARGET_KINDS as readonly string[]).includes(kind)) {
    throw new TargetError(`INTEGRATION_TARGET=${kind}: use one of ${TARGET_KINDS.join(', ')}`);
  }
  return kind as TargetKind;
}

export async function startTarget(
  kind: TargetKind,
  progress: (line: string) => void,
): Promise<RunningTarget> {
  if (kind === 'local') return startLocal(progress);
  if (kind === 'localstack') return startLocalStack(progress);
  return attachToAws(progress);
}

/** What every SDK client of the suite is built with (a subset all client configs accept). */
export interface ClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** SDK settings for a target: its emulator with dummy credentials, or the default chain on AWS. */
export function targetClientConfig(
  description: Pick<TargetDescription, 'kind' | 'endpoint' | 'region'>,
): ClientConfig {
  if (description.kind === 'aws') return { region: description.region };
  return {
    endpoint: description.endpoint,
    region: description.region,
    credentials: description.kind === 'local' ? LOCAL_CREDENTIALS : LOCALSTACK_CREDENTIALS,
  };
}

async function readQueueSettings(
  outputs: Readonly<Record<string, string>>,
  config: ClientConfig,
): Promise<Record<ConsumerId, QueueSettings>> {
  const sqs = new SQSClient(config);
  try {
    const entries = await Promise.all(
      CONSUMER_IDS.map(async (id) => {
        const url = requireOutput(outputs, `${id}QueueUrl`);
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
          }),
        );
        const redrive = JSON.parse(Attributes.RedrivePolicy ?? '{}') as { maxReceiveCount?: number | string };
        const settings: QueueSettings = {
          visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout),
          maxReceiveCount: Number(redrive.maxReceiveCount),
        };
        if (!(settings.visibilityTimeoutSeconds > 0 && settings.maxReceiveCount > 0)) {
          throw new TargetError(`queue ${url} has no visibility timeout or redrive policy`);
        }
        return [id, settings] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<ConsumerId, QueueSettings>;
  } finally {
    sqs.destroy();
  }
}

function requireOutput(outputs: Readonly<Record<string, string>>, key: string): string {
  const value = outputs[key];
  if (value === undefined) {
    throw new TargetError(`no stack output ${key}; the outputs are: ${Object.keys(outputs).join(', ')}`);
  }
  return value;
}

/** Region and account from an ARN output (`arn:aws:events:<region>:<account>:event-bus/...`). */
function regionAndAccount(outputs: Readonly<Record<string, string>>): { region: string; account: string } {
  const [, , , region, account] = requireOutput(outputs, 'EventBusArn').split(':');
  if (!region || !account) throw new TargetError('EventBusArn output is not an ARN');
  return { region, account };
}

/**
 * The outputs of one stage in a `cdk deploy --outputs-file` file. The file may hold several stages:
 * INTEGRATION_STAGE picks one. Production is refused: the suite writes test data and relies on the fault
 * rules that only test stages have.
 */
export function stageOutputs(
  file: string,
  wantedStage = process.env.INTEGRATION_STAGE,
): { stage: string; outputs: Record<string, string> } {
  if (!existsSync(file)) {
    throw new TargetError(
      `outputs file ${file} not found: deploy with \`npx cdk deploy --all -c stage=dev --outputs-file ${file}\``,
    );
  }
  const byStack = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const stages = [
    ...new Set(Object.keys(byStack).flatMap((name) => /^OrderPipeline-(.+)-Pipeline$/.exec(name)?.[1] ?? [])),
  ];
  const stage = wantedStage ?? (stages.length === 1 ? stages[0] : undefined);
  if (!stage || !stages.includes(stage)) {
    throw new TargetError(
      `${file} holds the stages [${stages.join(', ')}]: set INTEGRATION_STAGE to one of them`,
    );
  }
  let isProduction: boolean;
  try {
    isProduction = loadStageConfig(stage).isProduction;
  } catch (err) {
    if (err instanceof ConfigError) throw new TargetError(`stage ${stage} is not defined in lib/config.ts`);
    throw err;
  }
  if (isProduction) {
    throw new TargetError(
      `stage ${stage} is production: the suite writes test data and needs fault rules; run it against a test stage`,
    );
  }
  const names = stackNames(stage);
  return { stage, outputs: { ...byStack[names.data], ...byStack[names.pipeline] } };
}

async function cloudLogGroups(
  outputs: Readonly<Record<string, string>>,
  config: ClientConfig,
): Promise<Record<ConsumerId, string>> {
  const lambda = new LambdaClient(config);
  try {
    const entries = await Promise.all(
      CONSUMER_IDS.map(async (id) => {
        const name = requireOutput(outputs, `${id}FunctionName`);
        const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        return [id, cfg.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<ConsumerId, string>;
  } finally {
    lambda.destroy();
  }
}

async function startLocal(progress: (line: string) => void): Promise<RunningTarget> {
  if (process.env.AWS_ENDPOINT_URL) {
    throw new TargetError(
      `INTEGRATION_TARGET=local starts its own moto, but AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL} is set: ` +
        'unset it, or use INTEGRATION_TARGET=localstack for an emulator you run yourself.',
    );
  }
  // The moto of this machine, else the project's .local/venv (installed there on a first run).
  const moto = await ensureMoto({ onProgress: progress });
  if ('error' in moto) {
    throw new TargetError(
      `INTEGRATION_TARGET=local needs moto: ${moto.error}; or choose INTEGRATION_TARGET=localstack or aws.`,
    );
  }
  const startedAt = Date.now();
  const stage = 'test';
  const dir = runDirectory();
  const assemblyDirectory = join(dir, 'cdk.out');
  const logFile = join(dir, 'function-logs.ndjson');
  const invocationsFile = join(dir, 'invocations.ndjson');
  writeFileSync(logFile, '');
  writeFileSync(invocationsFile, '');

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const emulator: Emulator = await startEmulator();
    stops.push(() => emulator.stop());
    progress(`moto on ${emulator.endpoint}`);

    let t = Date.now();
    await synthesize({ stage, outDir: assemblyDirectory, env: emulator.childEnv() });
    progress(`cdk synth -c stage=${stage} in ${Date.now() - t} ms`);
    t = Date.now();
    const deployment = await deployApp({ emulator, assemblyDirectory });
    progress(`deployed ${deployment.stacks.map((s) => s.stackName).join(', ')} in ${Date.now() - t} ms`);

    const proxy = await startFaultProxy(emulator.endpoint);
    stops.push(() => proxy.stop());
    const mappings = await discoverSqsMappings(deployment, emulator);
    const runner = new LocalLambdaRunner({
      // The functions reach moto through the fault proxy; the runner's own SQS calls go to moto directly.
      emulator: {
        clientConfig: emulator.clientConfig,
        region: emulator.region,
        childEnv: () => ({ ...emulator.childEnv(), AWS_ENDPOINT_URL: proxy.endpoint }),
      },
      mappings,
      maxConcurrencyPerMapping: LOCAL_POLLERS_PER_QUEUE,
      onLog: (fn, line) => appendFileSync(logFile, `${JSON.stringify({ fn, at: Date.now(), line })}\n`),
      onInvocation: (report) => appendFileSync(invocationsFile, `${JSON.stringify(report)}\n`),
    });
    runner.start();
    stops.push(async () => {
      await runner.stop();
      const s = runner.stats();
      const troubles = s.functions
        .filter((f) => f.timeouts + f.crashes > 0)
        .map((f) => `${f.shortName}: ${f.timeouts} timeouts, ${f.crashes} crashes`);
      progress(`runner: ${s.invocations} invocations${troubles.length ? `; ${troubles.join('; ')}` : ''}`);
    });
    progress(`Lambda runner: ${mappings.length} queues, ${LOCAL_POLLERS_PER_QUEUE} pollers each`);

    // The API's functions run in the runner's execution environments, behind the fault proxy like the rest.
    const httpApis = await startLocalHttpApis({ deployment, emulator, runner });
    stops.push(() => httpApis.stop());
    const [api] = httpApis.apis;
    if (!api) throw new TargetError(`the stage ${stage} deployed no HTTP API`);
    const jwtIssuerFile = join(dir, 'jwt-issuer.json');
    const jwtApi = await startJwtApi({ deployment, emulator, runner, issuerFile: jwtIssuerFile });
    stops.push(() => jwtApi.stop());
    progress(`HTTP API ${api.definition.name} on ${api.url}, in JWT mode on ${jwtApi.url}`);

    const outputs = Object.assign({}, ...deployment.stacks.map((s) => s.outputs)) as Record<string, string>;
    const base = { kind: 'local' as const, endpoint: emulator.endpoint, region: emulator.region };
    const description: TargetDescription = {
      ...base,
      stage,
      account: LOCAL_ACCOUNT_ID,
      outputs,
      apiUrl: api.url,
      jwtApi: { url: jwtApi.url, issuerFile: jwtIssuerFile },
      queues: await readQueueSettings(outputs, targetClientConfig(base)),
      logs: { kind: 'file', path: logFile },
      invocationsFile,
      faultProxy: proxy.endpoint,
      assemblyDirectory,
      startedAt,
    };
    return { description, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, what: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 20));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new TargetError(`${what} failed (exit ${code}):\n  ${tail.join('\n  ')}`)),
    );
  });
}

async function startLocalStack(progress: (line: string) => void): Promise<RunningTarget> {
  const startedAt = Date.now();
  const endpoint = (process.env.AWS_ENDPOINT_URL ?? LOCALSTACK_DEFAULT_ENDPOINT).replace(/\/$/, '');
  try {
    const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new TargetError(
      `LocalStack does not answer on ${endpoint} (${(err as Error).message}): start it with ` +
        '`docker compose up -d --wait` (docker-compose.yml), or set AWS_ENDPOINT_URL to where it listens.',
    );
  }

  let outputsFile = process.env.INTEGRATION_OUTPUTS_FILE;
  if (!outputsFile) {
    outputsFile = join(runDirectory(), 'localstack-outputs.json');
    const stage = process.env.INTEGRATION_STAGE ?? 'local';
    const url = new URL(endpoint);
    // cdklocal finds LocalStack by host and port; with AWS_ENDPOINT_URL it would also want AWS_ENDPOINT_URL_S3.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOCALSTACK_HOSTNAME: url.hostname,
      EDGE_PORT: url.port || '4566',
      AWS_REGION: LOCALSTACK_REGION,
      AWS_DEFAULT_REGION: LOCALSTACK_REGION,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
    };
    delete env.AWS_ENDPOINT_URL;
    const cdklocal = require.resolve('aws-cdk-local/bin/cdklocal', { paths: [PROJECT_ROOT] });
    let t = Date.now();
    await run(process.execPath, [cdklocal, 'bootstrap', '--no-notices'], env, 'cdklocal bootstrap');
    progress(`cdklocal bootstrap in ${Date.now() - t} ms`);
    t = Date.now();
    await run(
      process.execPath,
      [
        cdklocal,
        'deploy',
        '--all',
        '--no-notices',
        '--require-approval',
        'never',
        '-c',
        `stage=${stage}`,
        '--outputs-file',
        outputsFile,
      ],
      env,
      'cdklocal deploy',
    );
    progress(`cdklocal deploy -c stage=${stage} in ${Date.now() - t} ms`);
  }

  const { stage, outputs } = stageOutputs(outputsFile);
  const { account } = regionAndAccount(outputs);
  const base = { kind: 'localstack' as const, endpoint, region: LOCALSTACK_REGION };
  // The stacks stay: `docker compose down` discards them with the container.
  return {
    description: await deployedTarget(base, stage, account, outputs, startedAt),
    stop: async () => {},
  };
}

async function attachToAws(progress: (line: string) => void): Promise<RunningTarget> {
  const startedAt = Date.now();
  const file = process.env.INTEGRATION_OUTPUTS_FILE;
  if (!file) {
    throw new TargetError(
      'INTEGRATION_TARGET=aws needs INTEGRATION_OUTPUTS_FILE: the file written by ' +
        '`npx cdk deploy --all -c stage=dev --outputs-file cdk-outputs.json`',
    );
  }
  const { stage, outputs } = stageOutputs(resolve(file));
  const { region, account } = regionAndAccount(outputs);
  const base = { kind: 'aws' as const, region };
  progress(`stage ${stage} in ${region} (account ${account})`);
  return {
    description: await deployedTarget(base, stage, account, outputs, startedAt),
    stop: async () => {},
  };
}

/** A stage deployed by the CDK (LocalStack or AWS): queues read back from the outputs, logs in CloudWatch. */
async function deployedTarget(
  base: Parameters<typeof targetClientConfig>[0],
  stage: string,
  account: string,
  outputs: TargetDescription['outputs'],
  startedAt: number,
): Promise<TargetDescription> {
  const config = targetClientConfig(base);
  return {
    ...base,
    stage,
    account,
    outputs,
    apiUrl: requireOutput(outputs, 'ApiUrl').replace(/\/$/, ''),
    queues: await readQueueSettings(outputs, config),
    logs: { kind: 'cloudwatch', logGroups: await cloudLogGroups(outputs, config) },
    startedAt,
  };
}
