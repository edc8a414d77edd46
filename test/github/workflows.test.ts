import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from '@jest/globals';
import { MOTO_INSTALL_HINT } from '@order-pipeline/local-cloud/emulator';
import { parse } from 'yaml';
import { STAGE_NAMES } from '../../lib/config';
import { PROJECT_ROOT } from '../lib/support/app';
import { withMessage } from '../support/with-message';

/**
 * The GitHub workflows, checked here so a broken one fails `npm test` before GitHub runs it: the
 * schema of workflows and actions (action-validator), then what the schema cannot see (local actions and
 * called workflows that exist, their inputs, unclosed expressions, AWS credentials only in jobs of an
 * environment), then what each workflow is for.
 */

const GITHUB_DIR = path.join(PROJECT_ROOT, '.github');
const WORKFLOWS_DIR = path.join(GITHUB_DIR, 'workflows');
const WORKFLOWS = readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f));
const ACTIONS = readdirSync(path.join(GITHUB_DIR, 'actions')).map((d) =>
  path.join('actions', d, 'action.yml'),
);

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}
interface Job {
  readonly name?: string;
  readonly needs?: string | string[];
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix?: Record<string, unknown> };
  readonly steps?: Step[];
}
interface Workflow {
  readonly on: Record<string, { inputs?: Record<string, { required?: boolean }>; types?: string[] } | null>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const source = (file: string) => readFileSync(path.join(GITHUB_DIR, file), 'utf8');
const workflow = (file: string) => parse(source(path.join('workflows', file))) as Workflow;
const steps = (job: Job | undefined) => job?.steps ?? [];
const runs = (job: Job | undefined) => steps(job).flatMap((s) => (s.run ? [s.run.replace(/\s+/g, ' ')] : []));
const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
/** A GitHub expression as written in a workflow. */
const expr = (body: string) => `\${{ ${body} }}`;

/** The schema errors of a workflow or action, one line each. */
function schemaErrors(file: string, text = source(file)): string[] {
  const result = file.endsWith('action.yml') ? validateAction(text) : validateWorkflow(text);
  return result.errors.map((e) =>
    `${file}: ${'path' in e ? e.path : ''} ${e.title} ${e.detail ?? ''}`.trim(),
  );
}

it('has the four workflows and the setup action', () => {
  expect(WORKFLOWS.sort()).toEqual(['checks.yml', 'deploy.yml', 'main.yml', 'pr-stage.yml']);
  expect(ACTIONS).toEqual([path.join('actions', 'setup', 'action.yml')]);
});

describe.each([...WORKFLOWS.map((f) => path.join('workflows', f)), ...ACTIONS])('%s', (file) => {
  it('is valid by the GitHub Actions schema (action-validator)', () => {
    expect(schemaErrors(file)).toEqual([]);
  });

  it('closes every GitHub expression it opens', () => {
    for (const [i, line] of source(file).split('\n').entries()) {
      withMessage(`line ${i + 1}: ${line}`, () =>
        expect(line.split('${{').length).toBe(line.split('}}').length),
      );
    }
  });

  it('uses only local actions and workflows that exist, with the inputs they declare', () => {
    const doc = parse(source(file)) as { jobs?: Record<string, Job>; runs?: { steps?: Step[] } };
    const all = [...Object.values(doc.jobs ?? {}), { steps: doc.runs?.steps ?? [] } as Job];
    for (const { uses, with: inputs } of [...all, ...all.flatMap(steps)]) {
      if (!uses?.startsWith('./')) continue;
      const target = path.join(PROJECT_ROOT, uses);
      const actionFile = path.join(target, 'action.yml');
      withMessage(uses, () => expect(existsSync(uses.endsWith('.yml') ? target : actionFile)).toBe(true));
      const declared = uses.endsWith('.yml')
        ? (parse(readFileSync(target, 'utf8')) as Workflow).on.workflow_call?.inputs
        : (parse(readFileSync(actionFile, 'utf8')) as { inputs?: Record<string, { required?: boolean }> })
            .inputs;
      withMessage(`${uses} inputs`, () =>
        expect(Object.keys(inputs ?? {}).filter((k) => !(k in (declared ?? {})))).toEqual([]),
      );
      const required = Object.entries(declared ?? {})
        .filter(([, d]) => d.required)
        .map(([k]) => k);
      withMessage(`${uses} required inputs`, () =>
        expect(required.filter((k) => !(k in (inputs ?? {})))).toEqual([]),
      );
    }
  });
});

describe('AWS credentials in the workflows', () => {
  const assuming = WORKFLOWS.flatMap((file) =>
    Object.entries(workflow(file).jobs)
      .filter(([, job]) =>
        steps(job).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')),
      )
      .map(([id, job]) => ({ file, id, job, wf: workflow(file) })),
  );

  it('come only from OIDC, in jobs of a GitHub environment that may request an ID token', () => {
    expect(assuming.map((a) => `${a.file}:${a.id}`).sort()).toEqual([
      'deploy.yml:deploy',
      'pr-stage.yml:stage',
    ]);
    for (const { job, wf, file } of assuming) {
      withMessage(file, () => expect(job.environment).toBeTruthy());
      withMessage(file, () => expect((job.permissions ?? wf.permissions)?.['id-token']).toBe('write'));
      for (const step of steps(job).filter((s) => s.uses?.startsWith('aws-actions/'))) {
        withMessage(file, () =>
          expect(Object.keys(step.with ?? {}).sort()).toEqual(['aws-region', 'role-to-assume']),
        );
        expect(String(step.with?.['role-to-assume'])).toMatch(
          /^\$\{\{ vars\.AWS_(DEPLOY|TEST)_ROLE_ARN \}\}$/,
        );
      }
    }
  });

  it('are explained in the README: the variables and environments a team sets up', () => {
    for (const name of [
      'AWS_DEPLOY_ROLE_ARN',
      'AWS_TEST_ROLE_ARN',
      'AWS_REGION',
      'pr-stages',
      'deploy-stage',
    ]) {
      withMessage(name, () => expect(readme).toContain(`\`${name}\``));
    }
  });
});

describe('checks.yml (every pull request)', () => {
  const wf = workflow('checks.yml');

  it('runs on pull requests and when main.yml calls it', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'workflow_call']);
  });

  it('runs what .ci/run runs, with the moto the integration suite needs', () => {
    expect(runs(wf.jobs.test)).toEqual(['npm run lint', 'npm run typecheck', 'npm test']);
    expect(steps(wf.jobs.test).find((s) => s.uses === './.github/actions/setup')?.with).toEqual({
      moto: 'true',
    });
    expect(source(path.join('actions', 'setup', 'action.yml'))).toContain(`run: ${MOTO_INSTALL_HINT}`);
    expect(readme).toContain('npm test        # every test');
  });

  it('synthesizes every stage of lib/config.ts, where cdk-nag fails synth on a finding', () => {
    expect(wf.jobs.synth?.strategy?.matrix?.stage).toEqual(STAGE_NAMES);
    expect(runs(wf.jobs.synth)).toEqual([
      `npx cdk synth --all --no-notices -q -c stage=${expr('matrix.stage')}`,
    ]);
  });
});

describe('main.yml (every push to main)', () => {
  const wf = workflow('main.yml');

  it('deploys dev after the checks, then prod after dev, each through deploy.yml in its own environment', () => {
    expect(wf.on).toEqual({ push: { branches: ['main'] } });
    expect(wf.jobs.checks?.uses).toBe('./.github/workflows/checks.yml');
    expect([wf.jobs.dev?.needs, wf.jobs.dev?.uses, wf.jobs.dev?.with]).toEqual([
      'checks',
      './.github/workflows/deploy.yml',
      { stage: 'dev' },
    ]);
    expect([wf.jobs.prod?.needs, wf.jobs.prod?.uses, wf.jobs.prod?.with]).toEqual([
      'dev',
      './.github/workflows/deploy.yml',
      { stage: 'prod' },
    ]);
    expect(workflow('deploy.yml').jobs.deploy?.environment).toBe(expr('inputs.stage'));
  });

  it('deploys without a prompt, and never two at once', () => {
    expect(runs(workflow('deploy.yml').jobs.deploy).at(-1)).toMatch(
      /^npx cdk deploy --all --no-notices -c stage=\$\{\{ inputs\.stage \}\} --require-approval never /,
    );
    expect(source(path.join('workflows', 'main.yml'))).toMatch(
      /group: deploy-main\n\s+cancel-in-progress: false/,
    );
  });
});

describe('pr-stage.yml (on demand)', () => {
  const wf = workflow('pr-stage.yml');
  const job = wf.jobs.stage;
  const named = (prefix: string) => steps(job).find((s) => s.name?.startsWith(prefix));

  it('starts on the deploy-stage label or by hand with a pull request number', () => {
    expect(wf.on.pull_request?.types).toEqual(['labeled']);
    expect(wf.on.workflow_dispatch?.inputs?.pull_request?.required).toBe(true);
    expect(String((job as { if?: string }).if)).toContain("github.event.label.name == 'deploy-stage'");
  });

  it('deploys the stage pr-<number>, which lib/config.ts derives from dev', () => {
    expect((job as { env?: Record<string, string> }).env?.STAGE).toBe(
      `pr-${expr('github.event.pull_request.number || inputs.pull_request')}`,
    );
    expect(named('cdk deploy')?.run?.replace(/\s+/g, ' ').trim()).toBe(
      'npx cdk deploy --all --no-notices -c stage=$STAGE --require-approval never --outputs-file cdk-outputs.json',
    );
  });

  it('runs the integration suite against it on AWS', () => {
    expect(named('integration suite')).toMatchObject({
      run: 'npm run test:integration',
      env: { INTEGRATION_TARGET: 'aws', INTEGRATION_OUTPUTS_FILE: 'cdk-outputs.json' },
    });
  });

  it('destroys it whatever happened before, with fresh credentials, as the last steps', () => {
    const [credentials, destroy] = steps(job).slice(-2);
    expect(credentials).toMatchObject({
      if: 'always()',
      uses: expect.stringMatching(/^aws-actions\/configure-aws-credentials@/),
    });
    expect(destroy).toMatchObject({
      if: 'always()',
      run: 'npx cdk destroy --all --no-notices -c stage=$STAGE --force',
    });
    expect(source(path.join('workflows', 'pr-stage.yml'))).toMatch(/cancel-in-progress: false/);
  });
});

describe('the workflow lint itself', () => {
  it('fails a workflow whose job misspells runs-on', () => {
    const broken = source(path.join('workflows', 'checks.yml')).replace(/runs-on:/g, 'runs_on:');
    expect(schemaErrors('broken.yml', broken)).not.toEqual([]);
    expect(JSON.stringify(validateWorkflow(broken).errors)).toContain(
      "Additional property 'runs_on' is not allowed",
    );
  });

  it('fails a step that both runs a command and uses an action', () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        run: echo\n';
    expect(schemaErrors('broken.yml', broken)).not.toEqual([]);
  });
});
