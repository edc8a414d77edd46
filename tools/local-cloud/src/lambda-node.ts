import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import NODE_PACKAGES from './lambda-node-packages.json';

/**
 * Which Node.js runs a function's execution environments: the major its `Runtime` names (`nodejs24.x`
 * -> 24), so an API that Node version lacks or changed behaves here as on Lambda. This machine's Node
 * when its major matches; else the official binary that an npm package of package.json's
 * optionalDependencies holds (npm installs only the one whose os and cpu match this machine, see
 * lambda-node-packages.json). When that binary is missing or does not run, this machine's Node, with a
 * one-line warning that says why and what to do.
 */

/** What a function runs on. */
export interface LambdaNode {
  /** The function's declared runtime; undefined when it declares none. */
  readonly runtime?: string;
  readonly executable: string;
  /** `process.version` as the executable itself reports it. */
  readonly version: string;
  /** The npm package of the executable; undefined for this machine's Node. */
  readonly packageName?: string;
  /** Why it is not the declared major, and what to do: set only on a fallback. */
  readonly warning?: string;
}

/** What the resolution reads from this machine (a parameter so tests can describe any machine). */
export interface NodeLookup {
  /** The Node running this process, and its version. */
  readonly host: { readonly executable: string; readonly version: string };
  /** `process.platform-process.arch`, e.g. `linux-x64`. */
  readonly platform: string;
  /** The directory of an installed npm package; undefined when it is not installed. */
  readonly packageDirectory: (name: string) => string | undefined;
  /** What the executable prints for `process.version`; an Error when it does not run. */
  readonly askVersion: (executable: string) => string | Error;
}

const RUNTIME = /^nodejs(\d+)\.x$/;

const majorOf = (version: string): number | undefined => {
  const m = /^v?(\d+)\./.exec(version);
  return m ? Number(m[1]) : undefined;
};

function askVersion(executable: string): string | Error {
  const r = spawnSync(executable, ['-p', 'process.version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return r.error;
  if (r.status !== 0) {
    const why = r.stderr.trim().split('\n')[0] || `exit status ${r.status ?? r.signal}`;
    return new Error(why);
  }
  return r.stdout.trim();
}

export const HOST_LOOKUP: NodeLookup = {
  host: { executable: process.execPath, version: process.version },
  platform: `${process.platform}-${process.arch}`,
  packageDirectory: (name) => {
    try {
      return dirname(require.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  },
  askVersion,
};

/** Resolves the Node of one runtime; see the module doc. Spawns the chosen executable once to ask its version. */
export function resolveLambdaNode(runtime: string | undefined, lookup: NodeLookup = HOST_LOOKUP): LambdaNode {
  const { host } = lookup;
  const onHost = (reason?: string): LambdaNode => {
    const answer = lookup.askVersion(host.executable);
    const version = typeof answer === 'string' ? answer : host.version;
    return {
      runtime,
      executable: host.executable,
      version,
      warning: reason && `warning: ${runtime} functions run on this machine's Node ${version}: ${reason}`,
    };
  };
  if (runtime === undefined) return onHost();
  const wanted = Number(RUNTIME.exec(runtime)?.[1] ?? Number.NaN);
  if (Number.isNaN(wanted)) return onHost('not a Node.js runtime, which the local runner cannot run');
  if (wanted === majorOf(host.version)) return onHost();

  const packageName = (NODE_PACKAGES as Record<string, string>)[lookup.platform];
  if (!packageName) {
    return onHost(`the npm registry has no Node ${wanted} package for ${lookup.platform}`);
  }
  const directory = lookup.packageDirectory(packageName);
  if (!directory) {
    return onHost(
      `${packageName} (Node ${wanted}) is not installed: run \`npm ci\` (without --omit=optional)`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
    version: string;
    bin?: { node?: string };
  };
  if (majorOf(manifest.version) !== wanted) {
    return onHost(`${packageName} holds Node ${manifest.version}, not Node ${wanted}`);
  }
  const executable = join(directory, manifest.bin?.node ?? 'bin/node');
  if (!existsSync(executable)) {
    return onHost(`${executable} is missing: reinstall with \`npm ci\``);
  }
  const answer = lookup.askVersion(executable);
  if (typeof answer !== 'string') {
    return onHost(`${executable} does not run here (${answer.message})`);
  }
  if (majorOf(answer) !== wanted) {
    return onHost(`${executable} reports ${answer}, not Node ${wanted}`);
  }
  return { runtime, executable, version: answer, packageName };
}

const resolved = new Map<string | undefined, LambdaNode>();

/** resolveLambdaNode on this machine, once per runtime: every environment of a runtime starts the same Node. */
export function lambdaNodeFor(runtime: string | undefined): LambdaNode {
  let node = resolved.get(runtime);
  if (!node) {
    node = resolveLambdaNode(runtime);
    resolved.set(runtime, node);
  }
  return node;
}

/** One line per declared runtime: the Node its functions run on, or the warning of its fallback. */
export function describeLambdaNodes(
  runtimes: readonly (string | undefined)[],
  resolve: (runtime: string | undefined) => LambdaNode = lambdaNodeFor,
): string[] {
  return [...new Set(runtimes)].map((runtime) => {
    const node = resolve(runtime);
    return (
      node.warning ??
      `${runtime ?? 'the'} functions run on Node ${node.version} (${node.packageName ?? "this machine's"})`
    );
  });
}
