import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type BusPolicyResolution, resolveBusPolicies } from './bus-policy';
import { type CfnTemplate, type CloudAssembly, type FileAsset, readCloudAssembly } from './cloud-assembly';
import { type Emulator, LOCAL_ACCOUNT_ID } from './emulator';
import { type AppliedShim, applyMotoShims } from './shims';
import { zipDirectory } from './zip';

/**
 * Deploys the synthesized app to the emulator the way `cdk deploy` would, without the CDK toolkit
 * (which needs the bootstrap stack's roles and a change-set flow moto does not implement): a local
 * bootstrap stack, the file assets in S3, then CreateStack per stack in dependency order.
 */

const PROJECT_ROOT = resolve(__dirname, '..');

/** moto creates a stack synchronously; LocalStack takes seconds. Five minutes means something is stuck. */
const STACK_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 250;

/** The stack `cdk bootstrap` would create; locally it holds only what the templates read. */
export const BOOTSTRAP_STACK_NAME = 'CDKToolkit';
/** Any version the templates' CheckBootstrapVersion rule accepts (they require >= 6). */
const LOCAL_BOOTSTRAP_VERSION = '30';

export class DeployError extends Error {
  override readonly name = 'DeployError';
}

/** A stack of the same name is already on the emulator (left by an earlier run) and `ifExists` is 'fail'. */
export class StackExistsError extends DeployError {
  constructor(
    message: string,
    readonly stackName: string,
    readonly stackStatus: string | undefined,
  ) {
    super(message);
  }
}

export interface DeployedStack {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** Logical id -> type and physical id, as CloudFormation reports them. */
  readonly resources: Readonly<Record<string, { readonly type: string; readonly physicalId?: string }>>;
  /** The synthesized template, as AWS would receive it. */
  readonly template: CfnTemplate;
  /** The template the emulator received: `template` with the moto shims applied. */
  readonly deployedTemplate: CfnTemplate;
  readonly shims: readonly AppliedShim[];
  readonly createMs: number;
}

/** The bus policies of the deployed templates, as the emulator enforces them (local/bus-policy.ts). */
export interface DeployedBusPolicies extends BusPolicyResolution {
  /** false when the emulator cannot enforce them (LocalStack, moto without local/moto_server.py). */
  readonly enforced: boolean;
}

export interface Deployment {
  readonly endpoint: string;
  readonly region: string;
  readonly assemblyDirectory: string;
  /** In the order they were created. */
  readonly stacks: readonly DeployedStack[];
  readonly busPolicies: DeployedBusPolicies;
  readonly uploadMs: number;
}

export interface SynthOptions {
  /** @default 'dev' */
  readonly stage?: string;
  /** The cloud assembly directory. */
  readonly outDir: string;
  /** More `-c key=value` context for the app, e.g. `{ faultRate: '0.05' }`. @default - none */
  readonly context?: Readonly<Record<string, string>>;
  /** Environment for the CDK CLI; point it at the emulator so nothing reaches AWS. */
  readonly env?: Record<string, string>;
  /** Receives the CLI's output lines. @default - kept; shown only on failure */
  readonly onLog?: (line: string) => void;
  /**
   * Aborting it stops the CLI and the app it runs (their whole process group) and rejects.
   * @default - runs to the end
   */
  readonly signal?: AbortSignal;
}

/**
 * Runs `cdk synth` (the project's CLI from node_modules, not a download through npx) into `outDir`.
 * The NodejsFunction bundles are built by esbuild locally (no Docker).
 */
export async function synthesize(options: SynthOptions): Promise<string> {
  const outDir = resolve(options.outDir);
  const cli = require.resolve('aws-cdk/bin/cdk', { paths: [PROJECT_ROOT] });
  const context = Object.entries({ ...options.context, stage: options.stage ?? 'dev' }).flatMap(
    ([key, value]) => ['-c', `${key}=${value}`],
  );
  const args = [cli, 'synth', '--no-notices', '-q', ...context, '-o', outDir];
  const output: string[] = [];
  const { signal } = options;
  signal?.throwIfAborted();
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // With a signal: its own process group, so an abort stops the CLI and the app it runs (npx, tsx,
      // esbuild) together. Without one it stays in ours and gets the terminal's Ctrl-C, as before.
      detached: signal !== undefined,
      env: {
        ...process.env,
        ...options.env,
        // Offline laptops: no telemetry, no version check against the npm registry.
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        CDK_DISABLE_VERSION_CHECK: 'true',
      },
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        options.onLog?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const abort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.on('error', fail);
    child.on('exit', (exitCode) => {
      signal?.removeEventListener('abort', abort);
      done(exitCode);
    });
  });
  if (signal?.aborted) throw new DeployError('cdk synth was stopped');
  if (code !== 0) {
    const relevant = output.filter((l) => !/^Bundling asset|^\s*$/.test(l)).slice(-15);
    throw new DeployError(`cdk synth failed (exit ${code}):\n  ${relevant.join('\n  ')}`);
  }
  return outDir;
}

export interface DeployOptions {
  readonly emulator: Emulator;
  /** A synthesized cloud assembly (see `synthesize`). */
  readonly assemblyDirectory: string;
  /**
   * Only these stacks (and nothing else: their dependencies must already exist).
   * @default - every stack of the assembly
   */
  readonly stackNames?: readonly string[];
  /**
   * What to do with a stack of the same name left on the emulator by an earlier run:
   * `fail` with a clear message, or `replace` it (delete, then create).
   * @default 'fail'
   */
  readonly ifExists?: 'fail' | 'replace';
  /** Progress lines for the user. @default - silent */
  readonly onProgress?: (line: string) => void;
}

/**
 * One line for an SDK error. moto's CloudFormation passes an inner service's JSON error through as the
 * CreateStack answer, which the SDK cannot parse as XML: the reason is then only in the raw body.
 */
export function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; $response?: { body?: unknown } };
  const body = e.$response?.body;
  if (typeof body === 'string' && body.trim().startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as { __type?: string; message?: string; Message?: string };
      const message = (parsed.message ?? parsed.Message ?? body).trim();
      return `${parsed.__type ?? 'Error'}: ${message}`;
    } catch {
      return body.trim();
    }
  }
  if (typeof body === 'string') {
    // werkzeug's error page (moto crashed): its <title> is the Python exception.
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
    if (title)
      return `emulator error: ${title
        .replace(/&#x27;|&#39;/g, "'")
        .replace(/&quot;/g, '"')
        .trim()}`;
  }
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/** The Python exception line closest to the end of moto's log: it names what moto choked on. */
function motoCause(emulator: Emulator): string | undefined {
  const lines = emulator.recentLog();
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? '';
    if (/^[A-Za-z_.]+(Error|Exception)\b/.test(line)) return line;
  }
  return undefined;
}

async function stackStatus(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return res.Stacks?.[0];
  } catch (err) {
    if (/does not exist/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

async function waitForStack(cfn: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  const deadline = Date.now() + STACK_TIMEOUT_MS;
  for (;;) {
    const stack = await stackStatus(cfn, stackName);
    if (!stack?.StackStatus?.endsWith('_IN_PROGRESS')) return stack;
    if (Date.now() > deadline) {
      throw new DeployError(
        `stack ${stackName} still ${stack.StackStatus} after ${STACK_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function failureReasons(cfn: CloudFormationClient, stackName: string): Promise<string[]> {
  try {
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return (events.StackEvents ?? [])
      .filter((e) => e.ResourceStatus?.endsWith('_FAILED'))
      .map(
        (e) => `${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason ?? e.ResourceStatus}`,
      );
  } catch {
    return [];
  }
}

/**
 * What `cdk bootstrap` provides that the templates use: the assets bucket and the bootstrap version
 * parameter read by every template's `BootstrapVersion` parameter (moto resolves SSM parameter types).
 */
export function bootstrapTemplate(assembly: CloudAssembly): CfnTemplate {
  const buckets = [...new Set(assembly.stacks.flatMap((s) => s.assets.map((a) => a.bucketName)))].sort();
  const parameters = [
    ...new Set(
      assembly.stacks.flatMap((s) =>
        Object.values(s.template.Parameters ?? {})
          .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value') && typeof p.Default === 'string')
          .map((p) => p.Default as string),
      ),
    ),
  ].sort();
  const resources: NonNullable<CfnTemplate['Resources']> = {};
  buckets.forEach((name, i) => {
    resources[`AssetsBucket${i}`] = { Type: 'AWS::S3::Bucket', Properties: { BucketName: name } };
  });
  parameters.forEach((name, i) => {
    resources[`BootstrapVersion${i}`] = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Name: name, Type: 'String', Value: LOCAL_BOOTSTRAP_VERSION },
    };
  });
  if (Object.keys(resources).length === 0) {
    // CloudFormation refuses a template without resources.
    resources.Nothing = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
  }
  return {
    Description: 'Local stand-in for the CDK bootstrap stack (local/deploy.ts)',
    Resources: resources,
  };
}

async function createStack(
  cfn: CloudFormationClient,
  emulator: Emulator,
  stackName: string,
  template: CfnTemplate,
  tags: Readonly<Record<string, string>>,
): Promise<Stack> {
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify(template),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        OnFailure: 'DELETE',
      }),
    );
  } catch (err) {
    // moto prints the traceback of a 500 on stderr, which can arrive after the response.
    if (emulator.isMoto) await new Promise((r) => setTimeout(r, 300));
    const cause = emulator.isMoto ? motoCause(emulator) : undefined;
    throw new DeployError(
      `CreateStack ${stackName} failed: ${errorText(err)}${cause ? ` (moto: ${cause})` : ''}`,
    );
  }
  const stack = await waitForStack(cfn, stackName);
  if (stack?.StackStatus !== 'CREATE_COMPLETE') {
    const reasons = await failureReasons(cfn, stackName);
    throw new DeployError(
      `stack ${stackName} ended ${stack?.StackStatus ?? 'deleted'}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ''}` +
        (reasons.length > 0 ? `\n  ${reasons.join('\n  ')}` : ''),
    );
  }
  return stack;
}

async function uploadAssets(s3: S3Client, assets: readonly FileAsset[]): Promise<void> {
  const done = new Set<string>();
  for (const asset of assets) {
    const key = `${asset.bucketName}/${asset.objectKey}`;
    if (done.has(key)) continue;
    done.add(key);
    // Keys are content hashes: an object already there (attached emulator, second run) is this asset.
    try {
      await s3.send(new HeadObjectCommand({ Bucket: asset.bucketName, Key: asset.objectKey }));
      continue;
    } catch {
      // not there yet
    }
    const isDir = statSync(asset.sourcePath).isDirectory();
    const body =
      asset.packaging === 'zip' && isDir ? zipDirectory(asset.sourcePath) : readFileSync(asset.sourcePath);
    await s3.send(new PutObjectCommand({ Bucket: asset.bucketName, Key: asset.objectKey, Body: body }));
  }
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!/BucketAlready(OwnedByYou|Exists)/.test((err as Error).name)) throw err;
  }
}

/**
 * Deploys the assembly's stacks to the emulator and returns their outputs and resources.
 * Throws a DeployError with one clear message; stacks created before the failure are left for the
 * caller to discard with the emulator (a fresh moto per run makes that free).
 */
export async function deployApp(options: DeployOptions): Promise<Deployment> {
  const { emulator } = options;
  const progress = options.onProgress ?? (() => {});
  const assembly = readCloudAssembly(options.assemblyDirectory, {
    account: LOCAL_ACCOUNT_ID,
    region: emulator.region,
  });
  const wanted = options.stackNames ? new Set(options.stackNames) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((n) => !assembly.stacks.some((s) => s.stackName === n));
    if (unknown.length > 0) {
      throw new DeployError(
        `no stack named ${unknown.join(', ')} in the assembly (it has ${assembly.stacks.map((s) => s.stackName).join(', ')})`,
      );
    }
  }
  const stacks = assembly.stacks.filter((s) => !wanted || wanted.has(s.stackName));

  // CreateStack is not idempotent: the SDK's retry of a request moto answered with a 500 (after it
  // had half-created the stack) would report AlreadyExists and hide the real error.
  const cfn = new CloudFormationClient({ ...emulator.clientConfig, maxAttempts: 1 });
  const s3 = new S3Client(emulator.clientConfig);
  try {
    // Dependents first: a stack whose exports another stack imports cannot be deleted before it.
    for (const stack of [...stacks].reverse()) {
      const existing = await stackStatus(cfn, stack.stackName);
      if (!existing || existing.StackStatus === 'DELETE_COMPLETE') continue;
      if (options.ifExists !== 'replace') {
        throw new StackExistsError(
          `stack ${stack.stackName} already exists on ${emulator.endpoint} (${existing.StackStatus}), left by an earlier run: ` +
            'restart the emulator for a clean one, or deploy with ifExists: "replace".',
          stack.stackName,
          existing.StackStatus,
        );
      }
      progress(`deleting ${stack.stackName} left by an earlier run`);
      await cfn.send(new DeleteStackCommand({ StackName: stack.stackName }));
      await waitForStack(cfn, stack.stackName);
    }

    const uploadStart = Date.now();
    if (!(await stackStatus(cfn, BOOTSTRAP_STACK_NAME))) {
      progress('bootstrapping (assets bucket, bootstrap version parameter)');
      await createStack(cfn, emulator, BOOTSTRAP_STACK_NAME, bootstrapTemplate(assembly), {});
    }
    const assets = stacks.flatMap((s) => s.assets);
    for (const bucket of new Set(assets.map((a) => a.bucketName))) await ensureBucket(s3, bucket);
    progress(`uploading ${new Set(assets.map((a) => a.id)).size} assets`);
    await uploadAssets(s3, assets);
    const uploadMs = Date.now() - uploadStart;

    const deployed: DeployedStack[] = [];
    for (const stack of stacks) {
      const { template: deployedTemplate, applied } = emulator.isMoto
        ? applyMotoShims(stack.template, { stackName: stack.stackName })
        : { template: stack.template, applied: [] };
      for (const shim of applied) {
        const n = shim.logicalIds.length;
        progress(`moto shim ${shim.shim}: ${n === 1 ? shim.logicalIds[0] : `${n} resources`}`);
      }
      progress(`creating ${stack.stackName}`);
      const start = Date.now();
      const created = await createStack(cfn, emulator, stack.stackName, deployedTemplate, stack.tags);
      const createMs = Date.now() - start;
      const res = await cfn.send(new DescribeStackResourcesCommand({ StackName: stack.stackName }));
      const resources: Record<string, { type: string; physicalId?: string }> = {};
      for (const r of res.StackResources ?? []) {
        // moto lists resources it skipped (no CloudFormation support) without ids.
        if (r.LogicalResourceId && r.ResourceType) {
          resources[r.LogicalResourceId] = { type: r.ResourceType, physicalId: r.PhysicalResourceId };
        }
      }
      deployed.push({
        stackName: stack.stackName,
        outputs: Object.fromEntries(
          (created.Outputs ?? []).flatMap((o) => (o.OutputKey ? [[o.OutputKey, o.OutputValue ?? '']] : [])),
        ),
        resources,
        template: stack.template,
        deployedTemplate,
        shims: applied,
        createMs,
      });
      progress(`created ${stack.stackName} in ${createMs} ms`);
    }
    const busPolicies = await enforceBusPolicies(emulator, deployed, progress);
    return {
      endpoint: emulator.endpoint,
      region: emulator.region,
      assemblyDirectory: assembly.directory,
      stacks: deployed,
      busPolicies,
      uploadMs,
    };
  } finally {
    cfn.destroy();
    s3.destroy();
  }
}

/**
 * Hands the emulator the bus policy statements of the deployed templates. On AWS EventBridge applies
 * them; moto ignores them, so without this anyone could put a source the policy reserves for one role.
 */
async function enforceBusPolicies(
  emulator: Emulator,
  stacks: readonly DeployedStack[],
  progress: (line: string) => void,
): Promise<DeployedBusPolicies> {
  const resolution = resolveBusPolicies(stacks, { region: emulator.region, account: LOCAL_ACCOUNT_ID });
  const buses = Object.entries(resolution.policies.buses);
  if (buses.length === 0) return { ...resolution, enforced: false };
  // Another emulator (LocalStack) received the Policy with the template; what it enforces is its own.
  const enforced = emulator.isMoto && (await emulator.setBusPolicies(resolution.policies));
  for (const [name, bus] of buses) {
    if (bus.statements.length === 0) continue;
    progress(
      enforced
        ? `bus policy of ${name}: ${bus.statements.length} Deny statements on PutEvents enforced by the emulator`
        : `note: bus policy of ${name}: ${bus.statements.length} Deny statements on PutEvents, not enforced by this emulator`,
    );
  }
  for (const note of resolution.notes) progress(`note: bus policy ${note}`);
  return { ...resolution, enforced };
}

/** An output of any deployed stack; throws naming the outputs there are when missing. */
export function stackOutput(deployment: Deployment, key: string): string {
  for (const stack of deployment.stacks) {
    const value = stack.outputs[key];
    if (value !== undefined) return value;
  }
  const known = deployment.stacks.flatMap((s) => Object.keys(s.outputs));
  throw new DeployError(`no stack output ${key}; outputs are: ${known.join(', ')}`);
}
