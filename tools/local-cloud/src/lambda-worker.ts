/**
 * One Lambda execution environment: a child process that loads a function's bundle once (the init
 * phase) and then runs one invocation at a time, as the Node.js managed runtime does. Started by
 * lambda-runner.ts with the function's environment; talks to it over the IPC channel only, so
 * the handler's stdout/stderr stay its logs.
 *
 * Compiled to plain JavaScript by the runner (esbuild) so a cold start costs what node's does, not a
 * TypeScript loader's.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ParentMessage, WorkerError, WorkerMessage } from './lambda-protocol';

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (err: unknown, result?: unknown) => void,
) => unknown;

let handler: Handler | undefined;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function toWorkerError(err: unknown, fallbackType = 'Error'): WorkerError {
  if (err instanceof Error) {
    return { errorType: err.name || fallbackType, errorMessage: err.message, stack: err.stack?.split('\n') };
  }
  return {
    errorType: fallbackType,
    errorMessage: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)),
  };
}

async function loadHandler(taskRoot: string, moduleName: string, exportName: string): Promise<Handler> {
  const base = join(taskRoot, moduleName);
  // The runtime's lookup order: CommonJS .js first, then .mjs, then .cjs.
  let mod: Record<string, unknown> | undefined;
  let lastError: unknown;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    try {
      mod =
        ext === '.mjs'
          ? ((await import(pathToFileURL(base + ext).href)) as Record<string, unknown>)
          : (require(base + ext) as Record<string, unknown>);
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
        lastError ??= err;
        continue;
      }
      throw err;
    }
  }
  if (!mod) {
    const e = new Error(`Cannot find module '${moduleName}' in ${taskRoot}`);
    e.name = 'Runtime.ImportModuleError';
    throw lastError instanceof Error && !String(lastError.message).includes(base) ? lastError : e;
  }
  const fn = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof fn !== 'function') {
    const e = new Error(`${moduleName}.${exportName} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  return fn as Handler;
}

async function invoke(message: Extract<ParentMessage, { type: 'invoke' }>): Promise<void> {
  const { context: c } = message;
  // The X-Ray SDK (Powertools Tracer) reads the trace header from the environment per invocation.
  process.env._X_AMZN_TRACE_ID = message.traceId;
  let callbackWaitsForEmptyEventLoop = true;
  const context = {
    ...c,
    get callbackWaitsForEmptyEventLoop() {
      return callbackWaitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      callbackWaitsForEmptyEventLoop = value;
    },
    getRemainingTimeInMillis: () => Math.max(0, c.deadlineMs - Date.now()),
    done: () => undefined,
    succeed: () => undefined,
    fail: () => undefined,
  };
  const fn = handler;
  if (!fn) throw new Error('invoke before init');
  try {
    const result = await new Promise<unknown>((resolve, reject) => {
      const returned = fn(message.event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(resolve, reject);
      } else if (fn.length < 3) {
        // A synchronous handler without a callback: its return value is the response.
        resolve(returned);
      }
    });
    // Lambda serialises the response as JSON: undefined becomes null; what cannot be serialised fails.
    let payload: string;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      send({
        type: 'result',
        id: message.id,
        ok: false,
        error: toWorkerError(err, 'Runtime.MarshalError'),
      });
      return;
    }
    send({ type: 'result', id: message.id, ok: true, payload });
  } catch (err) {
    send({ type: 'result', id: message.id, ok: false, error: toWorkerError(err) });
  }
}

process.on('message', (raw: ParentMessage) => {
  if (raw.type === 'init') {
    const started = Date.now();
    loadHandler(raw.taskRoot, raw.module, raw.exportName).then(
      (fn) => {
        handler = fn;
        send({ type: 'ready', initMs: Date.now() - started });
      },
      (err) => send({ type: 'init-error', error: toWorkerError(err, 'Runtime.ImportModuleError') }),
    );
  } else if (raw.type === 'invoke') {
    void invoke(raw);
  }
});

// The managed runtime ends the environment on an error nobody awaited: report it, then exit.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    send({
      type: 'crash',
      error: toWorkerError(
        err,
        event === 'unhandledRejection' ? 'Runtime.UnhandledPromiseRejection' : 'Runtime.UncaughtException',
      ),
    });
    setTimeout(() => process.exit(129), 50);
  });
}
// The runner went away (Ctrl-C, crash): an orphaned environment must not linger.
process.on('disconnect', () => process.exit(0));
