import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { LOCAL_DIR } from './app-directory';

/**
 * Finds a usable moto on this machine, or installs the pinned one into a virtual environment inside the
 * project (.local/venv) on first use, so a machine with Python 3 needs no install step of its own and the
 * user's Python stays as it was. A moto that is already installed (5.x, with the server extras) is used
 * as it is, and pip is never run.
 */

/** The version the project is tested with; installed into .local/venv when no usable moto is found. */
export const MOTO_VERSION = '5.2.1';
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;
export const MOTO_INSTALL_HINT = `pip install '${MOTO_REQUIREMENT}'`;

/** Where the pinned moto is installed when the machine has none (gitignored with the rest of .local/). */
export const MOTO_VENV = join(LOCAL_DIR, 'venv');

/**
 * The launcher that applies moto bug fixes and exits with its parent (see its docstring). A file, not
 * `python -c`, so `ps` shows what runs.
 */
export const MOTO_LAUNCHER = join(__dirname, 'moto_server.py');

/** How to run moto on this machine. */
export interface MotoCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Whether moto_server.py runs it (bug fixes, parent watchdog): only under a Python we can find. */
  readonly patched: boolean;
}

function onPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Whether `python` imports moto's server (with flask, which the server extras bring) of major 5: the
 * fixes of moto_server.py are written against moto 5's internals.
 */
function canRunMoto(python: string): boolean {
  const probe = spawnSync(
    python,
    ['-c', "import sys, moto, moto.server, flask; sys.exit(moto.__version__.split('.')[0] != '5')"],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return probe.status === 0;
}

/**
 * Finds an installed moto: the Python module first, because a \`moto_server\` on PATH can be a stale
 * shim of another Python; then the \`moto_server\` command, run through the interpreter of its shebang
 * when it has one (pipx, venvs) so the patches still apply. Undefined when none is installed.
 */
export function findMoto(): MotoCommand | undefined {
  for (const python of ['python3', 'python']) {
    if (onPath(python) && canRunMoto(python)) {
      return { command: python, args: [MOTO_LAUNCHER], patched: true };
    }
  }
  const server = onPath('moto_server');
  if (!server) return undefined;
  const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(readFileSync(server, 'utf8').split('\n', 1)[0] ?? '');
  const interpreter = shebang?.[1];
  if (interpreter && canRunMoto(interpreter)) {
    return { command: interpreter, args: [MOTO_LAUNCHER], patched: true };
  }
  const probe = spawnSync(server, ['--help'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0 ? { command: server, args: [], patched: false } : undefined;
}

/** A Python 3 on PATH to create the virtual environment with. */
function findPython3(): string | undefined {
  for (const python of ['python3', 'python']) {
    if (!onPath(python)) continue;
    const probe = spawnSync(python, ['-c', 'import sys; sys.exit(sys.version_info[0] != 3)'], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    if (probe.status === 0) return python;
  }
  return undefined;
}

/**
 * Runs a command with its stdout on ours (pip's progress) and its stderr passed on line by line to
 * `onStderr` (which shows it), so failures can be told apart. Resolves the exit code; null when it could
 * not start.
 */
function runShown(
  command: string,
  args: readonly string[],
  onStderr: (line: string) => void,
): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onStderr);
    child.once('error', (err) => {
      onStderr(err.message);
      done(null);
    });
    child.once('close', (code) => done(code));
  });
}

/** What ensureMoto reads from and does on this machine (a parameter so tests can describe any machine). */
export interface MotoHost {
  findMoto(): MotoCommand | undefined;
  canRunMoto(python: string): boolean;
  findPython3(): string | undefined;
  exists(path: string): boolean;
  run(command: string, args: readonly string[], onStderr: (line: string) => void): Promise<number | null>;
}

export const MACHINE: MotoHost = { findMoto, canRunMoto, findPython3, exists: existsSync, run: runShown };

export interface EnsureMotoOptions {
  /** @default MOTO_VENV (.local/venv of the project) */
  readonly venv?: string;
  /** Progress lines (what is installed, and where). @default - none */
  readonly onProgress?: (line: string) => void;
  /** @default - pip's messages go to stderr */
  readonly onPipLine?: (line: string) => void;
  /** @default MACHINE */
  readonly host?: MotoHost;
}

/** The moto to start, or why there is none: one line that names the fix. */
export type MotoSetup = { readonly moto: MotoCommand } | { readonly error: string };

/** pip's messages when the index cannot be reached (urllib3's connection errors, DNS, proxy, TLS). */
const UNREACHABLE =
  /NewConnectionError|Failed to establish a new connection|ConnectTimeoutError|Max retries exceeded|ProxyError|SSLError|Read timed out|Temporary failure in name resolution|Name or service not known|Network is unreachable/;

/** The python of a virtual environment: bin/python, Scripts\python.exe on Windows. */
export function venvPython(venv: string, platform = process.platform): string {
  return platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
}

/**
 * The moto of this machine if it has a usable one; else the pinned one of the project's virtual
 * environment, installed there (once, with pip's progress shown) when it is not yet. Never throws: a
 * failure is one line that says what went wrong and what to do.
 */
export async function ensureMoto(options: EnsureMotoOptions = {}): Promise<MotoSetup> {
  const host = options.host ?? MACHINE;
  const venv = options.venv ?? MOTO_VENV;
  const inCwd = relative(process.cwd(), venv);
  const shown = inCwd && !inCwd.startsWith('..') ? inCwd : venv;
  const progress = options.onProgress ?? (() => {});
  const pipLine = options.onPipLine ?? ((line: string) => process.stderr.write(`${line}\n`));
  const yourself = `install it yourself with \`${MOTO_INSTALL_HINT}\`, or set AWS_ENDPOINT_URL to an emulator you run`;

  const installed = host.findMoto();
  if (installed) return { moto: installed };

  const python = venvPython(venv);
  const fromVenv: MotoSetup = { moto: { command: python, args: [MOTO_LAUNCHER], patched: true } };
  if (host.exists(python) && host.canRunMoto(python)) return fromVenv;

  if (!host.exists(python)) {
    const python3 = host.findPython3();
    if (!python3) {
      return {
        error: `moto needs Python 3, and none is on PATH: install Python 3 and run again, or ${yourself}`,
      };
    }
    progress(
      `no moto ${MOTO_VERSION} on this machine: installing it into ${shown} (once; later runs use it)`,
    );
    let last = '';
    const code = await host.run(python3, ['-m', 'venv', venv], (line) => {
      if (line.trim()) last = line.trim();
      pipLine(line);
    });
    if (code !== 0 || !host.exists(python)) {
      return {
        error:
          `${python3} could not create a virtual environment in ${shown}${last ? ` (${last})` : ''}: ` +
          `install Python's venv module (Debian, Ubuntu: apt install python3-venv), or ${yourself}`,
      };
    }
  } else {
    progress(`installing moto ${MOTO_VERSION} into ${shown} (an earlier install did not finish)`);
  }

  let unreachable = false;
  let lastError = '';
  const code = await host.run(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', MOTO_REQUIREMENT],
    (line) => {
      if (UNREACHABLE.test(line)) unreachable = true;
      if (/^ERROR:/.test(line)) lastError = line.replace(/^ERROR:\s*/, '');
      pipLine(line);
    },
  );
  if (code !== 0) {
    return {
      error: unreachable
        ? `could not reach the Python package index to install moto ${MOTO_VERSION} into ${shown}: ` +
          `install it yourself with \`${MOTO_INSTALL_HINT}\`, or set PIP_INDEX_URL to an index you can reach`
        : `pip could not install moto ${MOTO_VERSION} into ${shown}${lastError ? ` (${lastError})` : ''}: ${yourself}`,
    };
  }
  if (!host.canRunMoto(python)) {
    return {
      error: `moto ${MOTO_VERSION} was installed into ${shown} but does not start: delete ${shown} and run again, or ${yourself}`,
    };
  }
  progress(`moto ${MOTO_VERSION} installed into ${shown}`);
  return fromVenv;
}
