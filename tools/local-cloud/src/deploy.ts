import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { APP_DIRECTORY } from './app-directory';
import { BOOTSTRAP_STACK_NAME, bootstrapTemplate, ensureBucket, uploadAssets } from './bootstrap';
import { type BusPolicyResolution, resolveBusPolicies } from './bus-policy';
import { onOutputLines } from './child-output';
import { type CfnTemplate, readCloudAssembly } from './cloud-assembly';
import { DeployError, StackExistsError } from './deploy-error';
import { type Emulator, LOCAL_ACCOUNT_ID } from './emulator';
import { type AppliedShim, applyMotoShims } from './shims';
import { createStack, deleteStack, describeStack } from './stack-operations';

/** What deployApp and synthesize throw. */
export { DeployError, StackExistsError } from './deploy-error';

/**
 * Deploys the synthesized app to the emulator the way `cdk deploy` would, without the CDK toolkit
 * (which needs the bootstrap stack's roles and a change-set flow moto does not implement): a local
 * bootstrap stack, the file assets in S3, then CreateStack per stack in dependency order.
 */

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

/** The bus policies of the deployed templates, as the emulator enforces them (bus-policy.ts). */
export interface DeployedBusPolicies extends BusPolicyResolution {
  /** false when the emulator cannot enforce them (LocalStack, moto without moto_server.py). */
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
  const cli = require.resolve('aws-cdk/bin/cdk', { paths: [APP_DIRECTORY] });
  const context = Object.entries({ ...options.context, stage: options.stage ?? 'dev' }).flatMap(
    ([key, value]) => ['-c', `${key}=${value}`],
  );
  const args = [cli, 'synth', '--no-notices', '-q', ...context, '-o', outDir];
  const output: string[] = [];
  const { signal } = options;
  signal?.throwIfAborted();
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: APP_DIRECTORY,
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
    onOutputLines(child, (line) => {
      output.push(line);
      options.onLog?.(line);
    });
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
      const existing = await describeStack(cfn, stack.stackName);
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
      await deleteStack(cfn, stack.stackName);
    }

    const uploadStart = Date.now();
    if (!(await describeStack(cfn, BOOTSTRAP_STACK_NAME))) {
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
