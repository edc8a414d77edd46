import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { REPOSITORY } from '../../lib/repository';
import { cdkJsonContext, PROJECT_ROOT } from '../lib/support/app';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const outdirs: string[] = [];

/** Runs bin/ci-access.ts the way `cdk --app 'npx tsx bin/ci-access.ts'` does. */
function runCiAccess(context: Record<string, unknown>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'order-pipeline-ci-access-'));
  outdirs.push(outdir);
  const result = spawnSync(TSX, ['bin/ci-access.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }),
      CDK_VALIDATION: 'false',
    },
  });
  return { ...result, outdir };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('bin/ci-access.ts', () => {
  it('fails without -c deployEnvironments, saying what to pass and without a stack trace', () => {
    const { status, stderr } = runCiAccess({});
    expect(status).toBe(1);
    expect(stderr).toContain(
      'Pass -c deployEnvironments=<GitHub environments whose jobs deploy to this account>',
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('GIVEN environments on the command line WHEN run THEN it synthesizes OrderPipeline-CiAccess alone, trusting the repository of package.json', () => {
    const { status, stderr, outdir } = runCiAccess({
      deployEnvironments: 'dev, pr-stages',
      testEnvironments: 'pr-stages',
    });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(
      ([, a]) => a.type === 'aws:cloudformation:stack',
    );
    expect(stacks.map(([id]) => id)).toEqual(['OrderPipeline-CiAccess']);
    const template = readFileSync(path.join(outdir, 'OrderPipeline-CiAccess.template.json'), 'utf8');
    expect(template).toContain(`repo:${REPOSITORY.fullName}:environment:dev`);
    expect(template).toContain(`repo:${REPOSITORY.fullName}:environment:pr-stages`);
    expect(template).toContain('PullRequestTestRole');
  });
});
