import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  ensureMoto,
  MACHINE,
  MOTO_LAUNCHER,
  type MotoCommand,
  type MotoHost,
  venvPython,
} from '../src/moto-setup';

const VENV = '/project/.local/venv';
const VENV_PYTHON = venvPython(VENV);

/** pip's stderr when the index cannot be reached (pip 24, DNS failure), shortened. */
const PIP_OFFLINE = [
  "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -2] Name or service not known')': /simple/moto/",
  'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)',
  'ERROR: No matching distribution found for moto[server]==5.2.1',
];

interface Machine {
  /** moto installed outside the project. */
  readonly installed?: MotoCommand;
  readonly python3?: string;
  /** The venv's python exists before the run. */
  readonly venvExists?: boolean;
  /** The venv's python imports moto before the run. */
  readonly venvHasMoto?: boolean;
  /** What `python3 -m venv` does: its exit code and stderr. */
  readonly venvResult?: { code: number | null; stderr?: string[] };
  /** What pip does. */
  readonly pipResult?: { code: number | null; stderr?: string[] };
}

/** A fake machine that records what was run. */
function machine(m: Machine): MotoHost & { ran: string[][] } {
  let venvExists = m.venvExists ?? false;
  let venvHasMoto = m.venvHasMoto ?? false;
  const ran: string[][] = [];
  return {
    ran,
    findMoto: () => m.installed,
    canRunMoto: (python) => python === VENV_PYTHON && venvHasMoto,
    findPython3: () => m.python3,
    exists: (path) => path === VENV_PYTHON && venvExists,
    run: async (command, args, onStderr) => {
      ran.push([command, ...args]);
      const isPip = args.includes('pip');
      const result = (isPip ? m.pipResult : m.venvResult) ?? { code: 0 };
      for (const line of result.stderr ?? []) onStderr(line);
      if (result.code === 0) {
        if (isPip) venvHasMoto = true;
        else venvExists = true;
      }
      return result.code;
    },
  };
}

async function setup(m: Machine) {
  const host = machine(m);
  const progress: string[] = [];
  const pip: string[] = [];
  const result = await ensureMoto({
    host,
    venv: VENV,
    onProgress: (l) => progress.push(l),
    onPipLine: (l) => pip.push(l),
  });
  return { result, ran: host.ran, progress, pip };
}

describe('ensureMoto', () => {
  it('uses the moto of the machine, and never runs pip', async () => {
    // GIVEN a machine whose python3 has moto 5
    const installed: MotoCommand = { command: 'python3', args: [MOTO_LAUNCHER], patched: true };
    // WHEN moto is set up
    const { result, ran, progress } = await setup({ installed, python3: 'python3' });
    // THEN it is that moto, and nothing was installed
    expect(result).toEqual({ moto: installed });
    expect(ran).toEqual([]);
    expect(progress).toEqual([]);
  });

  it("uses the project's virtual environment once moto is installed there", async () => {
    const { result, ran } = await setup({ python3: 'python3', venvExists: true, venvHasMoto: true });
    expect(result).toEqual({ moto: { command: VENV_PYTHON, args: [MOTO_LAUNCHER], patched: true } });
    expect(ran).toEqual([]);
  });

  it('creates the virtual environment and installs the pinned moto there when the machine has none', async () => {
    // GIVEN a machine with Python 3 and no moto
    // WHEN moto is set up
    const { result, ran, progress } = await setup({ python3: 'python3' });
    // THEN a venv was created in the project, the pinned moto installed into it with pip, and it is used
    expect(ran).toEqual([
      ['python3', '-m', 'venv', VENV],
      [VENV_PYTHON, '-m', 'pip', 'install', '--disable-pip-version-check', 'moto[server]==5.2.1'],
    ]);
    expect(result).toEqual({ moto: { command: VENV_PYTHON, args: [MOTO_LAUNCHER], patched: true } });
    expect(progress[0]).toMatch(
      /^no moto 5\.2\.1 on this machine: installing it into .*venv \(once; later runs use it\)$/,
    );
  });

  it('finishes an earlier install that did not, without creating the environment again', async () => {
    const { result, ran } = await setup({ python3: 'python3', venvExists: true });
    expect(ran.map((r) => r.slice(1, 3))).toEqual([['-m', 'pip']]);
    expect(result).toHaveProperty('moto.command', VENV_PYTHON);
  });

  it('fails in one line that names the fix when the package index cannot be reached', async () => {
    // GIVEN a machine with Python 3, no moto, and no way to the package index
    // WHEN moto is set up
    const { result, pip } = await setup({ python3: 'python3', pipResult: { code: 1, stderr: PIP_OFFLINE } });
    // THEN pip's messages were shown, and the error says what happened and what to do, in one line
    expect(pip).toEqual(PIP_OFFLINE);
    const { error } = result as { error: string };
    expect(error).toMatch(/^could not reach the Python package index to install moto 5\.2\.1 into \S*venv: /);
    expect(error).toContain(
      "install it yourself with `pip install 'moto[server]==5.2.1'`, or set PIP_INDEX_URL",
    );
    expect(error).not.toContain('\n');
  });

  it("fails with pip's own reason when pip fails for another reason", async () => {
    const { result } = await setup({
      python3: 'python3',
      pipResult: {
        code: 1,
        stderr: ['ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device'],
      },
    });
    expect(result).toEqual({
      error: expect.stringContaining('pip could not install moto 5.2.1 into'),
    });
    expect((result as { error: string }).error).toContain(
      '(Could not install packages due to an OSError: [Errno 28] No space left on device)',
    );
    expect((result as { error: string }).error).not.toContain('package index');
  });

  it('fails naming the venv module when Python cannot create the environment', async () => {
    const { result, ran } = await setup({
      python3: 'python3',
      venvResult: {
        code: 1,
        stderr: ['The virtual environment was not created successfully because ensurepip is not available.'],
      },
    });
    expect(ran).toHaveLength(1);
    expect(result).toEqual({ error: expect.stringContaining('apt install python3-venv') });
    expect((result as { error: string }).error).toContain('ensurepip is not available');
  });

  it('fails naming Python 3 when the machine has none, and installs nothing', async () => {
    const { result, ran } = await setup({});
    expect(ran).toEqual([]);
    expect(result).toEqual({ error: expect.stringMatching(/^moto needs Python 3, and none is on PATH: /) });
  });
});

describe('venvPython', () => {
  it("is the environment's bin/python, Scripts\\python.exe on Windows", () => {
    expect(venvPython('/p/.local/venv', 'linux')).toBe('/p/.local/venv/bin/python');
    expect(venvPython('C:\\p\\.local\\venv', 'win32')).toBe(
      join('C:\\p\\.local\\venv', 'Scripts', 'python.exe'),
    );
  });
});

describe('MACHINE.run', () => {
  it("passes the command's stderr on line by line and resolves its exit code", async () => {
    const lines: string[] = [];
    const code = await MACHINE.run(
      process.execPath,
      ['-e', 'process.stderr.write("one\\ntwo"); process.exit(3)'],
      (l) => lines.push(l),
    );
    expect(code).toBe(3);
    expect(lines).toEqual(['one', 'two']);
  });

  it('resolves null, with the reason as a line, for a command that does not exist', async () => {
    const lines: string[] = [];
    expect(await MACHINE.run('/nonexistent/python3', [], (l) => lines.push(l))).toBeNull();
    expect(lines[0]).toContain('ENOENT');
  });
});
