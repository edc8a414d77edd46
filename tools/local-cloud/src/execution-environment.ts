import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { onOutputLines } from './child-output';
import { lambdaNodeFor } from './lambda-node';
import type { InvokeContext, ParentMessage, WorkerError, WorkerMessage } from './lambda-protocol';
import { parseHandler } from './lambda-template';

/**
 * A Lambda execution environment as a child process (lambda-worker.ts): spawned cold with the
 * function's environment, initialised once, reused while warm, killed on timeout or crash, as the
 * Lambda service does.
 */

/** Lambda's limit for the init phase of an on-demand environment. */
export const INIT_TIMEOUT_MS = 10_000;

/** What an environment needs to know about its function. */
export interface EnvironmentFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly handler: string;
  readonly runtime?: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
  /** The function's own variables, as deployed. */
  readonly environment: Readonly<Record<string, string>>;
  /** The unzipped bundle (the asset directory in cdk.out). */
  readonly codeDirectory: string;
  readonly logGroupName: string;
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
}

export type InvokeResult =
  | { readonly kind: 'ok'; readonly payload: string }
  | { readonly kind: 'error'; readonly error: WorkerError }
  | { readonly kind: 'timeout'; readonly error: WorkerError }
  | { readonly kind: 'crash'; readonly error: WorkerError };

let compiledWorker: string | undefined;

/** lambda-worker.ts as plain JavaScript, compiled once per content (parallel runs share it). */
export function workerScript(): string {
  if (compiledWorker && existsSync(compiledWorker)) return compiledWorker;
  const sources = ['lambda-worker.ts', 'lambda-protocol.ts'].map((f) => readFileSync(join(__dirname, f)));
  const hash = createHash('sha256').update(Buffer.concat(sources)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'order-pipeline-local');
  const out = join(dir, `lambda-worker-${hash}.cjs`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const result = buildSync({
      entryPoints: [join(__dirname, 'lambda-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, result.outputFiles[0]?.contents ?? '');
    renameSync(tmp, out);
  }
  compiledWorker = out;
  return out;
}

/** `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0`: unsampled, as no X-Ray daemon runs locally. */
export function newTraceId(now = Date.now()): string {
  const epoch = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

function logStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * The environment variables Lambda gives a Node.js function: its own, then the reserved ones the
 * runtime sets (they win, as on Lambda), then the emulator endpoint and dummy credentials. Nothing of the
 * parent's environment leaks in (no AWS profile, no real credentials).
 */
export function lambdaEnvironment(
  fn: EnvironmentFunction,
  emulatorEnv: Readonly<Record<string, string>>,
  streamName: string,
): Record<string, string> {
  const env: Record<string, string> = {
    ...fn.environment,
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    LAMBDA_RUNTIME_DIR: fn.codeDirectory,
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime ?? 'nodejs'}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: streamName,
    // No X-Ray daemon locally: segments (unsampled anyway) go to a closed loopback port.
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1',
    _AWS_XRAY_DAEMON_PORT: '2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    ...emulatorEnv,
  };
  // Lambda sets these only with JSON logging: Powertools Logger takes its level from AWS_LAMBDA_LOG_LEVEL.
  if (fn.logFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (fn.applicationLogLevel) env.AWS_LAMBDA_LOG_LEVEL = fn.applicationLogLevel;
  }
  return env;
}

export class ExecutionEnvironment {
  readonly id = randomUUID().slice(0, 8);
  private readonly child: ChildProcess;
  private readonly streamName = logStreamName();
  private exited = false;
  private readonly exitListeners = new Set<(error: WorkerError) => void>();
  private readonly messageListeners = new Set<(m: WorkerMessage) => void>();
  private initialised: Promise<number> | undefined;
  private lastCrash: WorkerError | undefined;
  /** Invocations this environment has run: the first one was the cold start. */
  invocations = 0;

  constructor(
    private readonly fn: EnvironmentFunction,
    emulatorEnv: Readonly<Record<string, string>>,
    onLog: (line: string) => void,
  ) {
    // Lambda's Node.js runtime sizes the heap from the memory setting; so does this.
    const heapMb = Math.max(64, Math.floor(fn.memorySizeMb * 0.9));
    // The Node major the function's runtime names (lambda-node.ts), as Lambda starts it.
    const node = lambdaNodeFor(fn.runtime).executable;
    this.child = spawn(node, [`--max-old-space-size=${heapMb}`, workerScript()], {
      cwd: fn.codeDirectory,
      env: lambdaEnvironment(fn, emulatorEnv, this.streamName),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    onOutputLines(this.child, onLog);
    this.child.on('message', (m: WorkerMessage) => {
      if (m.type === 'crash') this.lastCrash = m.error;
      for (const l of this.messageListeners) l(m);
    });
    const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.exited) return;
      this.exited = true;
      const error: WorkerError = this.lastCrash ?? {
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: - Error: Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${code}`}`,
      };
      for (const l of this.exitListeners) l(error);
    };
    this.child.on('exit', onGone);
    this.child.on('error', (err) => {
      this.lastCrash = { errorType: 'Runtime.StartError', errorMessage: err.message };
      onGone(null, null);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  private post(message: ParentMessage): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  /**
   * Waits for the first message matching `accept`, the environment's exit, or `timeoutMs`.
   * Resolves `undefined` on timeout.
   */
  private waitFor<T extends WorkerMessage>(
    accept: (m: WorkerMessage) => m is T,
    timeoutMs: number,
  ): Promise<{ message?: T; exit?: WorkerError }> {
    return new Promise((resolve) => {
      if (this.exited) {
        resolve({
          exit: this.lastCrash ?? { errorType: 'Runtime.ExitError', errorMessage: 'environment exited' },
        });
        return;
      }
      const cleanup = () => {
        clearTimeout(timer);
        this.messageListeners.delete(onMessage);
        this.exitListeners.delete(onExit);
      };
      const onMessage = (m: WorkerMessage) => {
        if (accept(m)) {
          cleanup();
          resolve({ message: m });
        }
      };
      const onExit = (error: WorkerError) => {
        cleanup();
        resolve({ exit: error });
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve({});
      }, timeoutMs);
      this.messageListeners.add(onMessage);
      this.exitListeners.add(onExit);
    });
  }

  /** Loads the bundle once (the init phase); resolves its duration, rejects with the init error. */
  init(): Promise<number> {
    this.initialised ??= (async () => {
      const { module, exportName } = parseHandler(this.fn.handler);
      this.post({ type: 'init', taskRoot: this.fn.codeDirectory, module, exportName });
      const r = await this.waitFor(
        (m): m is Extract<WorkerMessage, { type: 'ready' | 'init-error' }> =>
          m.type === 'ready' || m.type === 'init-error',
        INIT_TIMEOUT_MS,
      );
      if (r.message?.type === 'ready') return r.message.initMs;
      this.kill();
      const error: WorkerError =
        r.message?.type === 'init-error'
          ? r.message.error
          : (r.exit ?? {
              errorType: 'Runtime.InitTimeout',
              errorMessage: `init exceeded ${INIT_TIMEOUT_MS} ms`,
            });
      throw Object.assign(new Error(error.errorMessage), { workerError: error });
    })();
    return this.initialised;
  }

  /** Runs one invocation; on timeout or crash the environment is killed and must not be reused. */
  async invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    this.invocations++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const context: InvokeContext = {
      functionName: this.fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.fn.functionArn,
      memoryLimitInMB: String(this.fn.memorySizeMb),
      awsRequestId: requestId,
      logGroupName: this.fn.logGroupName,
      logStreamName: this.streamName,
      deadlineMs: Date.now() + timeoutMs,
    };
    const id = randomUUID();
    this.post({ type: 'invoke', id, event, context, traceId: newTraceId() });
    const r = await this.waitFor(
      (m): m is Extract<WorkerMessage, { type: 'result' }> => m.type === 'result' && m.id === id,
      timeoutMs,
    );
    if (r.message) {
      return r.message.ok
        ? { kind: 'ok', payload: r.message.payload }
        : { kind: 'error', error: r.message.error };
    }
    if (r.exit) return { kind: 'crash', error: r.exit };
    // Lambda stops the runtime at the timeout: nothing the handler still does survives.
    this.kill();
    return {
      kind: 'timeout',
      error: {
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
      },
    };
  }

  kill(): void {
    if (this.exited) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Resolves once the process has exited (after kill()). */
  async exitedPromise(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
  }
}
