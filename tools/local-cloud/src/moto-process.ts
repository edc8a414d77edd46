import { type ChildProcess, spawn } from 'node:child_process';
import { onOutputLines } from './child-output';
import type { Emulator } from './emulator';
import {
  childEnvFor,
  clientConfigFor,
  EmulatorError,
  isMotoEndpoint,
  LOCAL_REGION,
} from './emulator-endpoint';
import { fetchRequestCounts, putBusPolicies } from './moto-server-api';
import type { MotoCommand } from './moto-setup';

/** moto as a child process of this one: started in its own process group, awaited until it answers, stopped with every child. */

const STOP_GRACE_MS = 3_000;
/** A Python traceback is 10-30 lines: keep enough to show the one that explains a failure. */
const LOG_TAIL_LINES = 60;
const ACCESS_LOG_LINE = /^\d+\.\d+\.\d+\.\d+ - - \[/;

/** Children started by this process; killed synchronously if the process exits without stop(). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // detached: the child leads its own process group, so one signal reaches moto and anything it spawned.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL the group, no grace period left at this point.
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

export interface LaunchOptions {
  readonly readyTimeoutMs: number;
  readonly onLog?: (line: string) => void;
}

/** Starts moto on 127.0.0.1:port and resolves once it answers; throws an EmulatorError otherwise. */
export async function launch(moto: MotoCommand, port: number, options: LaunchOptions): Promise<Emulator> {
  const endpoint = `http://127.0.0.1:${port}`;
  const tail: string[] = [];
  const child = spawn(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...childEnvFor(endpoint),
      MOTO_PORT: String(port),
      LOCAL_EMULATOR_PARENT_PID: String(process.pid),
    },
  });
  running.add(child);
  installExitHook();

  const onLine = (line: string) => {
    if (options.onLog) options.onLog(line);
    // The access log would push the tracebacks out of the tail.
    if (ACCESS_LOG_LINE.test(line)) return;
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
  };
  onOutputLines(child, onLine);

  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.once('error', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exitedPromise;
    clearTimeout(timer);
    // werkzeug may have spawned helpers in the group; make sure none outlives the leader.
    killGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (exited) {
      const lastLines = tail.slice(-5).join('\n  ');
      throw new EmulatorError(
        `moto exited before it was ready on ${endpoint}${lastLines ? `:\n  ${lastLines}` : ''}`,
      );
    }
    if (await isMotoEndpoint(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new EmulatorError(`moto did not answer on ${endpoint} within ${options.readyTimeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    region: LOCAL_REGION,
    owned: true,
    pid: child.pid,
    isMoto: true,
    warnings: moto.patched
      ? []
      : ['moto runs without the fixes of moto_server.py: events delivered to queues lack `account`'],
    clientConfig: clientConfigFor(endpoint),
    childEnv: () => childEnvFor(endpoint),
    recentLog: () => [...tail],
    requestCounts: async () => (moto.patched ? fetchRequestCounts(endpoint, false) : undefined),
    setBusPolicies: async (policies) => (moto.patched ? putBusPolicies(endpoint, policies) : false),
    stop,
  };
}
