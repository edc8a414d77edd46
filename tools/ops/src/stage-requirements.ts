import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AssemblyError,
  readManifestArtifacts,
  readStackTemplate,
  STACK_ARTIFACT,
} from '@order-pipeline/local-cloud/cloud-assembly';
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../../../lib/config';
import { stackNames } from '../../../lib/names';
import { addOrderPipeline } from '../../../lib/order-pipeline';
import { UsageError } from './errors';

/**
 * What deploying a stage asks of an account, read from its synthesized cloud assembly: the stacks,
 * the CDK bootstrap version their templates and assets need, the Lambda concurrency the SQS event
 * sources may take, and the resources that carry a fixed name.
 */

export interface NamedResource {
  readonly kind: 'event bus' | 'archive' | 'dashboard';
  readonly name: string;
  /** The stack that creates it. */
  readonly stack: string;
}

export interface StageRequirements {
  readonly stage: string;
  /** Account and region pinned in lib/config.ts, if any. */
  readonly account?: string;
  readonly region?: string;
  readonly stacks: readonly { readonly name: string; readonly tags: Readonly<Record<string, string>> }[];
  /** The highest `requiresBootstrapStackVersion` of the stacks and asset manifests, and where it is read. */
  readonly bootstrap: { readonly version: number; readonly parameter: string };
  /** `MaximumConcurrency` of each SQS event source mapping: the most the stage can run at once. */
  readonly concurrency: { readonly perConsumer: readonly number[]; readonly total: number };
  readonly namedResources: readonly NamedResource[];
}

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');

/** Where the CDK CLI looks when no parameter is named: the default qualifier's. */
const DEFAULT_BOOTSTRAP_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

const NAME_PROPERTIES: Record<string, { kind: NamedResource['kind']; property: string }> = {
  'AWS::Events::EventBus': { kind: 'event bus', property: 'Name' },
  'AWS::Events::Archive': { kind: 'archive', property: 'ArchiveName' },
  'AWS::CloudWatch::Dashboard': { kind: 'dashboard', property: 'DashboardName' },
};

/** Reads the requirements from a cloud assembly directory (`cdk synth -o <dir>`). */
export function readStageRequirements(directory: string, stage: string): StageRequirements {
  try {
    return requirementsOf(directory, stage);
  } catch (err) {
    // An assembly that cannot be read is the operator's to fix (a wrong --assembly directory).
    if (err instanceof AssemblyError) throw new UsageError(err.message);
    throw err;
  }
}

function requirementsOf(directory: string, stage: string): StageRequirements {
  const artifacts = Object.entries(readManifestArtifacts(directory));
  const expected = Object.values(stackNames(stage));
  const stacks = artifacts
    .filter(([, a]) => a.type === STACK_ARTIFACT)
    .map(([id, a]) => ({ id, name: a.properties?.stackName ?? id, artifact: a }))
    .filter((s) => expected.includes(s.name));
  if (stacks.length !== expected.length) {
    throw new UsageError(
      `the cloud assembly in ${directory} does not hold the stacks of stage ${stage} (${expected.join(', ')}): synthesize it with -c stage=${stage}.`,
    );
  }

  const versions = artifacts.flatMap(([, a]) => a.properties?.requiresBootstrapStackVersion ?? []);
  const parameters = new Set(
    artifacts.flatMap(([, a]) => a.properties?.bootstrapStackVersionSsmParameter ?? []),
  );
  const perConsumer: number[] = [];
  const namedResources: NamedResource[] = [];
  for (const stack of stacks) {
    const { template } = readStackTemplate(directory, stack.id, stack.artifact);
    for (const resource of Object.values(template.Resources ?? {})) {
      const scaling = resource.Properties?.ScalingConfig as { MaximumConcurrency?: unknown } | undefined;
      if (
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        typeof scaling?.MaximumConcurrency === 'number'
      ) {
        perConsumer.push(scaling.MaximumConcurrency);
      }
      const named = NAME_PROPERTIES[resource.Type];
      const name = named ? resource.Properties?.[named.property] : undefined;
      if (named && typeof name === 'string')
        namedResources.push({ kind: named.kind, name, stack: stack.name });
    }
  }

  return {
    stage,
    stacks: stacks.map((s) => ({ name: s.name, tags: s.artifact.properties?.tags ?? {} })),
    bootstrap: {
      version: Math.max(0, ...versions),
      parameter:
        parameters.size === 1
          ? ([...parameters][0] ?? DEFAULT_BOOTSTRAP_PARAMETER)
          : DEFAULT_BOOTSTRAP_PARAMETER,
    },
    concurrency: { perConsumer, total: perConsumer.reduce((sum, n) => sum + n, 0) },
    namedResources,
  };
}

/** cdk.json's context (the feature flags), so the synthesized templates are the ones `cdk deploy` sends. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Synthesizes `stage` as bin/app.ts composes it (bundling skipped: only templates and manifests are
 * read) and returns its requirements, with the account and region the stage pins.
 */
export function synthesizeStageRequirements(stage: string, assemblyDirectory?: string): StageRequirements {
  const config = loadStageConfig(stage);
  const pinned = {
    ...(config.account ? { account: config.account } : {}),
    ...(config.region ? { region: config.region } : {}),
  };
  if (assemblyDirectory) return { ...readStageRequirements(assemblyDirectory, stage), ...pinned };

  const outdir = mkdtempSync(join(tmpdir(), `preflight-${stage}-`));
  try {
    const app = new App({ outdir, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    addOrderPipeline(app, config);
    app.synth();
    return { ...readStageRequirements(outdir, stage), ...pinned };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
