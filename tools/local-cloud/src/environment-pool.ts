import { type EnvironmentFunction, ExecutionEnvironment, type InvokeResult } from './execution-environment';
import type { WorkerError } from './lambda-protocol';

/** Idle warm environments of one function, handed to one invocation at a time. */
export class EnvironmentPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();

  constructor(
    private readonly fn: EnvironmentFunction,
    private readonly emulatorEnv: Readonly<Record<string, string>>,
    private readonly onLog: (line: string) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** A warm environment if one is idle, else a new (cold) one. */
  acquire(): ExecutionEnvironment {
    while (this.idle.length > 0) {
      const env = this.idle.pop();
      if (env?.alive) return env;
      if (env) this.all.delete(env);
    }
    const env = new ExecutionEnvironment(this.fn, this.emulatorEnv, this.onLog);
    this.all.add(env);
    return env;
  }

  release(env: ExecutionEnvironment): void {
    if (env.alive) this.idle.push(env);
    else this.all.delete(env);
  }

  discard(env: ExecutionEnvironment): void {
    env.kill();
    this.all.delete(env);
  }

  async close(): Promise<void> {
    const envs = [...this.all];
    this.idle.length = 0;
    this.all.clear();
    for (const env of envs) env.kill();
    await Promise.all(envs.map((e) => e.exitedPromise()));
  }
}

/** One invocation in an execution environment. */
export interface Invocation {
  readonly result: InvokeResult;
  readonly coldStart: boolean;
  /** Init phase of a cold start. */
  readonly initMs?: number;
  readonly durationMs: number;
}

/**
 * Runs one invocation in an environment of `pool`: a cold one is initialised first. An environment that
 * crashed, timed out or failed its init is discarded, as Lambda replaces it; a healthy one goes back.
 */
export async function invokeInPool(
  pool: EnvironmentPool,
  event: unknown,
  requestId: string,
): Promise<Invocation> {
  const env = pool.acquire();
  const coldStart = env.invocations === 0;
  let initMs: number | undefined;
  try {
    if (coldStart) initMs = await env.init();
  } catch (err) {
    pool.discard(env);
    const error = (err as { workerError?: WorkerError }).workerError ?? {
      errorType: 'Runtime.InitError',
      errorMessage: (err as Error).message,
    };
    return { result: { kind: 'error', error }, coldStart, initMs, durationMs: 0 };
  }
  const start = Date.now();
  const result = await env.invoke(event, requestId);
  const durationMs = Date.now() - start;
  if (result.kind === 'timeout' || result.kind === 'crash') pool.discard(env);
  else pool.release(env);
  return { result, coldStart, initMs, durationMs };
}
