import { readFileSync, statSync } from 'node:fs';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CfnTemplate, CloudAssembly, FileAsset } from './cloud-assembly';
import { zipDirectory } from './zip';

/** What `cdk bootstrap` and the asset publishing of `cdk deploy` provide, done directly on the emulator. */

/** The stack `cdk bootstrap` would create; locally it holds only what the templates read. */
export const BOOTSTRAP_STACK_NAME = 'CDKToolkit';
/** Any version the templates' CheckBootstrapVersion rule accepts (they require >= 6). */
const LOCAL_BOOTSTRAP_VERSION = '30';

/**
 * What `cdk bootstrap` provides that the templates use: the assets bucket and the bootstrap version
 * parameter read by every template's `BootstrapVersion` parameter (moto resolves SSM parameter types).
 */
export function bootstrapTemplate(assembly: CloudAssembly): CfnTemplate {
  const buckets = [...new Set(assembly.stacks.flatMap((s) => s.assets.map((a) => a.bucketName)))].sort();
  const parameters = [
    ...new Set(
      assembly.stacks.flatMap((s) =>
        Object.values(s.template.Parameters ?? {})
          .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value') && typeof p.Default === 'string')
          .map((p) => p.Default as string),
      ),
    ),
  ].sort();
  const resources: NonNullable<CfnTemplate['Resources']> = {};
  buckets.forEach((name, i) => {
    resources[`AssetsBucket${i}`] = { Type: 'AWS::S3::Bucket', Properties: { BucketName: name } };
  });
  parameters.forEach((name, i) => {
    resources[`BootstrapVersion${i}`] = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Name: name, Type: 'String', Value: LOCAL_BOOTSTRAP_VERSION },
    };
  });
  if (Object.keys(resources).length === 0) {
    // CloudFormation refuses a template without resources.
    resources.Nothing = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
  }
  return {
    Description: 'Local stand-in for the CDK bootstrap stack (deploy.ts)',
    Resources: resources,
  };
}

export async function uploadAssets(s3: S3Client, assets: readonly FileAsset[]): Promise<void> {
  const done = new Set<string>();
  for (const asset of assets) {
    const key = `${asset.bucketName}/${asset.objectKey}`;
    if (done.has(key)) continue;
    done.add(key);
    // Keys are content hashes: an object already there (attached emulator, second run) is this asset.
    try {
      await s3.send(new HeadObjectCommand({ Bucket: asset.bucketName, Key: asset.objectKey }));
      continue;
    } catch {
      // not there yet
    }
    const isDir = statSync(asset.sourcePath).isDirectory();
    const body =
      asset.packaging === 'zip' && isDir ? zipDirectory(asset.sourcePath) : readFileSync(asset.sourcePath);
    await s3.send(new PutObjectCommand({ Bucket: asset.bucketName, Key: asset.objectKey, Body: body }));
  }
}

export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!/BucketAlready(OwnedByYou|Exists)/.test((err as Error).name)) throw err;
  }
}
