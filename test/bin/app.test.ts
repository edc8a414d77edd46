import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cdkJsonContext, PROJECT_ROOT } from '../lib/support/app';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const outdirs: string[] = [];

/**
 * Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output to CDK_OUTDIR. The
 * CloudFormation schema validation built into synth costs seconds: only the prod run turns it on.
 */
function runApp(context: Record<string, unknown>, validation = false) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'order-pipeline-app-'));
  outdirs.push(outdir);
  const result = spawnSync(TSX, ['bin/app.ts'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }),
      CDK_VALIDATION: String(validation),
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
      'Unknown stage "nope". Pass -c stage=NAME with one of: dev, local, test, prod, or pr-<number> for a pull request\'s stage (defined in lib/config.ts).',
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['dev, when no stage is given', {}, 'dev', false],
    [
      'the stage given with -c stage=prod, with an empty validation report (cdk-nag plugins and CloudFormation schema validation)',
      { stage: 'prod' },
      'prod',
      true,
    ],
  ])('synthesizes the two stacks of %s', (_name, context, stage, validation) => {
    const { status, stderr, outdir } = runApp(context, validation);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stacks = Object.entries(manifest.artifacts)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([id]) => id);
    expect(stacks).toEqual([`OrderPipeline-${stage}-Data`, `OrderPipeline-${stage}-Pipeline`]);
    if (validation) {
      const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: unknown[];
      };
      expect(report.pluginReports).toEqual([]);
    }
  });
});
