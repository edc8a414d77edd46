import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type EnvironmentFunction,
  ExecutionEnvironment,
  lambdaEnvironment,
  newTraceId,
} from '../src/execution-environment';

const EMULATOR_ENV = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:5999',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
};

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A function whose bundle is `code` written as index.js in a fresh directory. */
function fn(code: string, overrides: Partial<EnvironmentFunction> = {}): EnvironmentFunction {
  const dir = mkdtempSync(join(tmpdir(), 'fn-'));
  writeFileSync(join(dir, 'index.js'), code);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return {
    functionName: 'orders-validate',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-validate',
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    timeoutSeconds: 5,
    memorySizeMb: 256,
    environment: { STAGE: 'dev' },
    codeDirectory: dir,
    logGroupName: '/aws/lambda/orders-validate',
    ...overrides,
  };
}

function start(f: EnvironmentFunction, logs: string[] = []): ExecutionEnvironment {
  const env = new ExecutionEnvironment(f, EMULATOR_ENV, (l) => logs.push(l));
  cleanup.push(() => env.kill());
  return env;
}

describe('lambdaEnvironment', () => {
  it("gives the function its own variables, Lambda's reserved ones and the emulator's, nothing else", () => {
    // GIVEN a function with JSON logging at DEBUG, and a parent process holding an AWS profile
    process.env.AWS_PROFILE = 'real-account';
    cleanup.push(() => delete process.env.AWS_PROFILE);
    const f = fn('', { logFormat: 'JSON', applicationLogLevel: 'DEBUG' });
    // WHEN its environment is built
    const env = lambdaEnvironment(f, EMULATOR_ENV, '2026/01/01/[$LATEST]abc');
    // THEN it has what Lambda sets, points at the emulator, and carries no credentials of the parent
    expect(env).toMatchObject({
      STAGE: 'dev',
      AWS_LAMBDA_FUNCTION_NAME: 'orders-validate',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/orders-validate',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]abc',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_LAMBDA_LOG_LEVEL: 'DEBUG',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      LAMBDA_TASK_ROOT: f.codeDirectory,
      _HANDLER: 'index.handler',
      TZ: ':UTC',
      ...EMULATOR_ENV,
    });
    expect(env).not.toHaveProperty('AWS_PROFILE');
  });

  it("does not let the function's variables override the reserved ones", () => {
    // GIVEN a function that sets a reserved variable itself
    const f = fn('', {
      environment: { AWS_LAMBDA_FUNCTION_NAME: 'spoofed', AWS_ENDPOINT_URL: 'https://aws' },
    });
    // WHEN its environment is built
    const env = lambdaEnvironment(f, EMULATOR_ENV, 's');
    // THEN Lambda's value and the emulator endpoint win
    expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('orders-validate');
    expect(env.AWS_ENDPOINT_URL).toBe(EMULATOR_ENV.AWS_ENDPOINT_URL);
  });
});

describe('newTraceId', () => {
  it('is an unsampled X-Ray header with the epoch in the root', () => {
    expect(newTraceId(Date.UTC(2026, 0, 1))).toMatch(
      /^Root=1-6955b900-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
  });
});

describe('ExecutionEnvironment', () => {
  it('runs a handler with the event, the context and its environment, and stays warm', async () => {
    // GIVEN a handler echoing what it sees, and counting its invocations in module state
    const f = fn(`
      let count = 0;
      exports.handler = async (event, context) => ({
        count: ++count,
        records: event.Records.length,
        fn: context.functionName,
        requestId: context.awsRequestId,
        remainingOk: context.getRemainingTimeInMillis() > 0,
        stage: process.env.STAGE,
        trace: process.env._X_AMZN_TRACE_ID.startsWith('Root=1-'),
      });`);
    const env = start(f);
    // WHEN it is initialised and invoked twice
    const initMs = await env.init();
    const first = await env.invoke({ Records: [{}] }, 'req-1');
    const second = await env.invoke({ Records: [{}, {}] }, 'req-2');
    // THEN both run in the same process (module state kept), each with its own request id
    expect(initMs).toBeGreaterThanOrEqual(0);
    expect(first).toEqual({
      kind: 'ok',
      payload: JSON.stringify({
        count: 1,
        records: 1,
        fn: 'orders-validate',
        requestId: 'req-1',
        remainingOk: true,
        stage: 'dev',
        trace: true,
      }),
    });
    expect(second.kind === 'ok' && JSON.parse(second.payload)).toMatchObject({
      count: 2,
      requestId: 'req-2',
    });
    expect(env.alive).toBe(true);
  });

  it('returns null for a handler that returns nothing, and passes its logs on', async () => {
    // GIVEN a handler that logs and returns undefined
    const logs: string[] = [];
    const env = start(fn('exports.handler = async () => { console.log("hello from the handler"); };'), logs);
    await env.init();
    // WHEN it is invoked
    const result = await env.invoke({}, 'req');
    // THEN the response is JSON null, as Lambda serialises it, and the log line arrived
    expect(result).toEqual({ kind: 'ok', payload: 'null' });
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toContain('hello from the handler');
  });

  it('fails an invocation whose handler throws, and stays usable', async () => {
    // GIVEN a handler that throws a named error
    const env = start(
      fn(
        'exports.handler = async () => { const e = new Error("table unavailable"); e.name = "DownstreamError"; throw e; };',
      ),
    );
    await env.init();
    // WHEN it is invoked
    const result = await env.invoke({}, 'req');
    // THEN the error is reported with its type, and the environment lives on (Lambda keeps it warm)
    expect(result).toMatchObject({
      kind: 'error',
      error: { errorType: 'DownstreamError', errorMessage: 'table unavailable' },
    });
    expect(env.alive).toBe(true);
  });

  it('fails on timeout and kills the environment', async () => {
    // GIVEN a handler that never settles, with a 1 s timeout
    const env = start(fn('exports.handler = () => new Promise(() => {});', { timeoutSeconds: 1 }));
    await env.init();
    // WHEN it is invoked
    const result = await env.invoke({}, 'req-t');
    // THEN the invocation times out as Lambda reports it, and the process is gone
    expect(result).toMatchObject({ kind: 'timeout', error: { errorType: 'Sandbox.Timedout' } });
    await env.exitedPromise();
    expect(env.alive).toBe(false);
  });

  it('fails with a crash when the handler leaves an unhandled rejection', async () => {
    // GIVEN a handler that starts a rejecting promise nobody awaits, then waits
    const env = start(
      fn(
        'exports.handler = () => { Promise.reject(new Error("boom")); return new Promise((r) => setTimeout(r, 2000)); };',
      ),
    );
    await env.init();
    // WHEN it is invoked
    const result = await env.invoke({}, 'req');
    // THEN the runtime reports the crash and the environment ends
    expect(result).toMatchObject({ kind: 'crash', error: { errorMessage: 'boom' } });
  });

  it('fails init when the handler export is missing', async () => {
    // GIVEN a bundle without the configured export
    const env = start(fn('exports.other = async () => ({});'));
    // WHEN it is initialised
    // THEN init fails as Lambda's does
    await expect(env.init()).rejects.toMatchObject({ workerError: { errorType: 'Runtime.HandlerNotFound' } });
  });
});
