import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CfnTemplate } from './cfn-template';

/**
 * Reads what `cdk synth` wrote (manifest.json, templates, asset manifests) into the few facts a
 * deployer needs, with the account/region placeholders of the default synthesizer resolved.
 */

export type { CfnResource, CfnTemplate } from './cfn-template';

/** A file asset (a Lambda bundle) and where the template expects it. */
export interface FileAsset {
  readonly id: string;
  /** Absolute path of the directory or file in the cloud assembly. */
  readonly sourcePath: string;
  /** `zip`: a directory to zip; `file`: uploaded as it is. */
  readonly packaging: 'zip' | 'file';
  readonly bucketName: string;
  readonly objectKey: string;
}

export interface AssemblyStack {
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The artifact id in the manifest (usually the construct id). */
  readonly artifactId: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** Stack names this stack depends on (cross-stack references). */
  readonly dependsOn: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly assets: readonly FileAsset[];
}

export interface CloudAssembly {
  readonly directory: string;
  /** In dependency order: every stack after the stacks it depends on. */
  readonly stacks: readonly AssemblyStack[];
}

export class AssemblyError extends Error {
  override readonly name = 'AssemblyError';
}

/** An artifact of manifest.json, with the properties the readers of this package use. */
export interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly dependencies?: readonly string[];
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly tags?: Record<string, string>;
    readonly file?: string;
    readonly requiresBootstrapStackVersion?: number;
    readonly bootstrapStackVersionSsmParameter?: string;
  };
  readonly displayName?: string;
}

export const STACK_ARTIFACT = 'aws:cloudformation:stack';

interface AssetManifest {
  files?: Record<
    string,
    {
      source: { path?: string; packaging?: string; executable?: string[] };
      destinations: Record<string, { bucketName: string; objectKey: string }>;
    }
  >;
  dockerImages?: Record<string, unknown>;
}

/** Resolves the `${AWS::AccountId}`-style placeholders the default synthesizer leaves in asset destinations. */
export function resolvePlaceholders(value: string, env: { account: string; region: string }): string {
  const pseudo: Record<string, string> = { AccountId: env.account, Region: env.region, Partition: 'aws' };
  return value.replace(
    /\$\{AWS::(AccountId|Region|Partition)\}/g,
    (_whole, name: string) => pseudo[name] ?? _whole,
  );
}

/** Orders stacks so each comes after its dependencies; throws on a cycle or an unknown dependency. */
export function sortByDependencies<T extends { stackName: string; dependsOn: readonly string[] }>(
  stacks: readonly T[],
): T[] {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  const sorted: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (stack: T, path: string[]) => {
    const seen = state.get(stack.stackName);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new AssemblyError(
        `stacks depend on each other in a cycle: ${[...path, stack.stackName].join(' -> ')}`,
      );
    }
    state.set(stack.stackName, 'visiting');
    for (const dep of stack.dependsOn) {
      const target = byName.get(dep);
      if (!target)
        throw new AssemblyError(`stack ${stack.stackName} depends on ${dep}, which is not in the assembly`);
      visit(target, [...path, stack.stackName]);
    }
    state.set(stack.stackName, 'done');
    sorted.push(stack);
  };
  for (const stack of stacks) visit(stack, []);
  return sorted;
}

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new AssemblyError(`cannot read ${what} at ${path}: ${(err as Error).message}`);
  }
}

/** The artifacts of a cloud assembly's manifest.json, by id. */
export function readManifestArtifacts(directory: string): Readonly<Record<string, ManifestArtifact>> {
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(
    join(directory, 'manifest.json'),
    'the cloud assembly manifest',
  );
  return manifest.artifacts ?? {};
}

/** The path of a stack artifact's template, and the template. */
export function readStackTemplate(
  directory: string,
  artifactId: string,
  artifact: ManifestArtifact,
): { templateFile: string; template: CfnTemplate } {
  const templateFile = join(directory, artifact.properties?.templateFile ?? `${artifactId}.template.json`);
  return { templateFile, template: readJson<CfnTemplate>(templateFile, `the template of ${artifactId}`) };
}

/** Reads a synthesized cloud assembly (the `-o` directory of `cdk synth`). */
export function readCloudAssembly(
  directory: string,
  env: { account: string; region: string },
): CloudAssembly {
  const dir = resolve(directory);
  const artifacts = readManifestArtifacts(dir);

  const assetsOf = (artifactId: string): FileAsset[] => {
    const artifact = artifacts[artifactId];
    const file = artifact?.properties?.file;
    if (artifact?.type !== 'cdk:asset-manifest' || !file) return [];
    const assetManifest = readJson<AssetManifest>(join(dir, file), 'an asset manifest');
    if (assetManifest.dockerImages && Object.keys(assetManifest.dockerImages).length > 0) {
      throw new AssemblyError(
        `${file} has container image assets: the local run supports file assets only (no Docker on this path)`,
      );
    }
    return Object.entries(assetManifest.files ?? {}).flatMap(([id, asset]) => {
      if (!asset.source.path) {
        throw new AssemblyError(
          `asset ${id} in ${file} is built by a command: only path assets are supported`,
        );
      }
      const sourcePath = join(dir, asset.source.path);
      const packaging = asset.source.packaging === 'zip' ? 'zip' : 'file';
      return Object.values(asset.destinations).map((d) => ({
        id,
        sourcePath,
        packaging,
        bucketName: resolvePlaceholders(d.bucketName, env),
        objectKey: resolvePlaceholders(d.objectKey, env),
      }));
    });
  };

  const stackIds = Object.entries(artifacts).filter(([, a]) => a.type === STACK_ARTIFACT);
  const idToName = new Map(stackIds.map(([id, a]) => [id, a.properties?.stackName ?? id]));
  const stacks: AssemblyStack[] = stackIds.map(([id, artifact]) => {
    const deps = artifact.dependencies ?? [];
    return {
      stackName: idToName.get(id) ?? id,
      artifactId: id,
      ...readStackTemplate(dir, id, artifact),
      dependsOn: deps.flatMap((d) => {
        const name = idToName.get(d);
        return name ? [name] : [];
      }),
      tags: artifact.properties?.tags ?? {},
      assets: deps.flatMap(assetsOf),
    };
  });
  if (stacks.length === 0) throw new AssemblyError(`no stacks in the cloud assembly at ${dir}`);
  return { directory: dir, stacks: sortByDependencies(stacks) };
}
