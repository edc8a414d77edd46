import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_DIR } from './app-directory';
import { type Deployment, deployApp, synthesize } from './deploy';
import { type Emulator, type StartEmulatorOptions, startEmulator } from './emulator';
import { type LocalHttpApis, type LocalHttpApisOptions, startLocalHttpApis } from './http-api';
import { describeLambdaNodes } from './lambda-node';
import { LocalLambdaRunner, type LocalLambdaRunnerOptions } from './lambda-runner';

/**
 * The whole local pipeline in one call: emulator, synth, deploy, Lambda runner. Used by `npm run local`,
 * the integration tests and the benchmarks; `stop()` ends everything it started, in reverse order.
 */

export { LOCAL_DIR };
export const DEFAULT_ASSEMBLY_DIR = join(LOCAL_DIR, 'cdk.out');

export interface LocalPipelineOptions {
  /** @default 'dev' */
  readonly stage?: string;
  /**
   * Synthesize first (about 15 s), or deploy the assembly already in `assemblyDirectory`.
   * @default true
   */
  readonly synth?: boolean;
  /** More context for the app's synth (e.g. `{ faultRate: '0.05' }`). @default - none */
  readonly context?: Readonly<Record<string, string>>;
  /** @default DEFAULT_ASSEMBLY_DIR (.local/cdk.out) */
  readonly assemblyDirectory?: string;
  readonly emulator?: StartEmulatorOptions;
  /** Options of the Lambda runner (logs, invocation reports, concurrency cap). */
  readonly runner?: Omit<LocalLambdaRunnerOptions, 'emulator' | 'mappings'>;
  /**
   * Start the Lambda runner's pollers; without, the runner is created (its mappings discovered) but
   * idle, for a caller that runs its own (the benchmark, one runner per phase).
   * @default true
   */
  readonly startRunner?: boolean;
  /** Options of the local HTTP APIs (port, issuer file, request log). */
  readonly httpApi?: Pick<LocalHttpApisOptions, 'port' | 'issuerFile' | 'onRequest'>;
  /** Progress lines. @default - silent */
  readonly onProgress?: (line: string) => void;
  /**
   * A stack of the same name left on an attached emulator by an earlier run: `fail` (StackExistsError)
   * or `replace` it.
   * @default 'fail'
   */
  readonly ifExists?: 'fail' | 'replace';
  /**
   * Aborting it stops a synth in progress and makes the start fail (after stopping what it started).
   * @default - runs to the end
   */
  readonly signal?: AbortSignal;
}

export interface LocalPipeline {
  readonly emulator: Emulator;
  readonly deployment: Deployment;
  /** Undefined on an attached emulator that runs Lambda itself (LocalStack). */
  readonly runner?: LocalLambdaRunner;
  /**
   * The app's HTTP APIs on 127.0.0.1 (http-api/), run by the runner; `apis` is empty when the app
   * has none. Undefined with an emulator that runs Lambda itself.
   */
  readonly httpApis?: LocalHttpApis;
  readonly timings: { readonly emulatorMs: number; readonly synthMs: number; readonly deployMs: number };
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const progress = options.onProgress ?? (() => {});
  const assemblyDirectory = resolve(options.assemblyDirectory ?? DEFAULT_ASSEMBLY_DIR);
  let emulator: Emulator | undefined;
  let runner: LocalLambdaRunner | undefined;
  let httpApis: LocalHttpApis | undefined;
  const stop = async () => {
    await httpApis?.stop();
    await runner?.stop();
    await emulator?.stop();
  };
  try {
    let t = Date.now();
    emulator = await startEmulator({ onProgress: progress, ...options.emulator });
    const emulatorMs = Date.now() - t;
    progress(`${emulator.owned ? 'started moto' : 'attached to'} ${emulator.endpoint} in ${emulatorMs} ms`);
    for (const w of emulator.warnings) progress(`warning: ${w}`);

    t = Date.now();
    if (options.synth ?? true) {
      progress('synthesizing (cdk synth, esbuild bundles)');
      // The CLI looks up the default account: point it at the emulator so nothing leaves the laptop.
      await synthesize({
        stage: options.stage,
        context: options.context,
        outDir: assemblyDirectory,
        env: emulator.childEnv(),
        signal: options.signal,
      });
    } else if (!existsSync(join(assemblyDirectory, 'manifest.json'))) {
      throw new Error(`no cloud assembly in ${assemblyDirectory}: run with synth enabled first`);
    }
    const synthMs = Date.now() - t;

    t = Date.now();
    options.signal?.throwIfAborted();
    const deployment = await deployApp({
      emulator,
      assemblyDirectory,
      onProgress: progress,
      ifExists: options.ifExists,
    });
    options.signal?.throwIfAborted();
    const deployMs = Date.now() - t;

    if (emulator.isMoto) {
      runner = await LocalLambdaRunner.fromDeployment(deployment, emulator, options.runner);
      for (const line of describeLambdaNodes(runner.mappings.map((m) => m.function.runtime))) progress(line);
      if (options.startRunner ?? true) runner.start();
      progress(
        `Lambda runner: ${runner.mappings.length} queues -> ${runner.mappings.map((m) => m.function.shortName).join(', ')}`,
      );
      httpApis = await startLocalHttpApis({ ...options.httpApi, deployment, emulator, runner });
      for (const api of httpApis.apis) {
        progress(`HTTP API ${api.definition.name}: ${api.url} (${api.definition.routes.length} routes)`);
      }
    }
    return { emulator, deployment, runner, httpApis, timings: { emulatorMs, synthMs, deployMs }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
