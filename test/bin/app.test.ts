import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkJsonContext, PROJECT_ROOT } from '../lib/support/app';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const outdirs: string[] = [];

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
function runApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'order-pipeline-app-'));
  outdirs.push(outdir);
  const result = spawnSync(TSX, ['bin/app.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }),
      // Schema validation is covered in test/lib/order-pipeline.test.ts; here it would only add seconds.
      CDK_VALIDATION: 'false',
    },
  });
  return { ...result, outdir };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('bin/app.ts', () => {
  it('fails for an unknown stage with the config message and no stack trace', () => {
    // GIVEN -c stage=nope WHEN the app runs THEN it exits 1 and says what to pass
    const { status, stderr } = runApp({ stage: 'nope' });
    expect(status).toBe(1);
    expect(stderr).toContain(
      'Unknown stage "nope". Pass -c stage=NAME with one of: dev, local, prod, or pr-<number> for a pull request\'s stage (defined in lib/config.ts).',
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['dev, when no stage is given', {}, 'dev'],
    ['the stage given with -c stage=prod', { stage: 'prod' }, 'prod'],
  ])('synthesizes the two stacks of %s', (_name, context, stage) => {
    const { status, stderr, outdir } = runApp(context);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks).toEqual([`OrderPipeline-${stage}-Data`, `OrderPipeline-${stage}-Pipeline`]);
  });
});
