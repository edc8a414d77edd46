import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bootstrapTemplate } from '../src/bootstrap';
import {
  AssemblyError,
  readCloudAssembly,
  resolvePlaceholders,
  sortByDependencies,
} from '../src/cloud-assembly';

const ENV = { account: '123456789012', region: 'us-east-1' };
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A cloud assembly as `cdk synth` writes it: Data has no assets, Pipeline one Lambda bundle and depends on Data. */
function writeAssembly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
  dirs.push(dir);
  const bootstrapParam = {
    BootstrapVersion: {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/cdk-bootstrap/hnb659fds/version',
    },
  };
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        'Pipeline.assets': { type: 'cdk:asset-manifest', properties: { file: 'Pipeline.assets.json' } },
        Pipeline: {
          type: 'aws:cloudformation:stack',
          dependencies: ['Data', 'Pipeline.assets'],
          properties: {
            templateFile: 'Pipeline.template.json',
            stackName: 'App-dev-Pipeline',
            tags: { stage: 'dev' },
          },
        },
        Data: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Data.template.json', stackName: 'App-dev-Data' },
        },
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    }),
  );
  writeFileSync(
    join(dir, 'Data.template.json'),
    JSON.stringify({ Resources: {}, Parameters: bootstrapParam }),
  );
  writeFileSync(
    join(dir, 'Pipeline.template.json'),
    JSON.stringify({ Resources: {}, Parameters: bootstrapParam }),
  );
  writeFileSync(
    join(dir, 'Pipeline.assets.json'),
    JSON.stringify({
      files: {
        abc: {
          source: { path: 'asset.abc', packaging: 'zip' },
          destinations: {
            current: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
              bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
              objectKey: 'abc.zip',
            },
          },
        },
      },
    }),
  );
  mkdirSync(join(dir, 'asset.abc'));
  writeFileSync(join(dir, 'asset.abc', 'index.js'), 'exports.handler = async () => ({});');
  return dir;
}

describe('readCloudAssembly', () => {
  it('lists stacks in dependency order with their assets at the resolved bucket', () => {
    // GIVEN an assembly whose Pipeline stack depends on Data and has one bundle
    const dir = writeAssembly();
    // WHEN it is read
    const assembly = readCloudAssembly(dir, ENV);
    // THEN Data comes first, and the bundle's bucket has the account and region filled in
    expect(assembly.stacks.map((s) => s.stackName)).toEqual(['App-dev-Data', 'App-dev-Pipeline']);
    const pipeline = assembly.stacks[1];
    expect(pipeline?.dependsOn).toEqual(['App-dev-Data']);
    expect(pipeline?.tags).toEqual({ stage: 'dev' });
    expect(pipeline?.assets).toEqual([
      {
        id: 'abc',
        sourcePath: join(dir, 'asset.abc'),
        packaging: 'zip',
        bucketName: 'cdk-hnb659fds-assets-123456789012-us-east-1',
        objectKey: 'abc.zip',
      },
    ]);
  });

  it('fails with the path when the directory is not a cloud assembly', () => {
    // GIVEN an empty directory
    const dir = mkdtempSync(join(tmpdir(), 'assembly-'));
    dirs.push(dir);
    // WHEN it is read
    // THEN the error names the missing manifest
    expect(() => readCloudAssembly(dir, ENV)).toThrow(/manifest/);
  });
});

describe('bootstrapTemplate', () => {
  it('creates the assets bucket and the bootstrap version parameter the templates read', () => {
    // GIVEN an assembly with a bundle and templates reading the bootstrap version from SSM
    const assembly = readCloudAssembly(writeAssembly(), ENV);
    // WHEN the local bootstrap template is made
    const template = bootstrapTemplate(assembly);
    // THEN it has exactly one bucket and one parameter, with a version the templates accept
    expect(template.Resources).toEqual({
      AssetsBucket0: {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: 'cdk-hnb659fds-assets-123456789012-us-east-1' },
      },
      BootstrapVersion0: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: '/cdk-bootstrap/hnb659fds/version', Type: 'String', Value: '30' },
      },
    });
  });
});

describe('sortByDependencies', () => {
  it('puts every stack after the ones it depends on', () => {
    const stacks = [
      { stackName: 'C', dependsOn: ['B'] },
      { stackName: 'B', dependsOn: ['A'] },
      { stackName: 'A', dependsOn: [] },
    ];
    expect(sortByDependencies(stacks).map((s) => s.stackName)).toEqual(['A', 'B', 'C']);
  });

  it('fails on a cycle, naming it', () => {
    const stacks = [
      { stackName: 'A', dependsOn: ['B'] },
      { stackName: 'B', dependsOn: ['A'] },
    ];
    expect(() => sortByDependencies(stacks)).toThrow(
      new AssemblyError('stacks depend on each other in a cycle: A -> B -> A'),
    );
  });

  it('fails on a dependency outside the assembly', () => {
    expect(() => sortByDependencies([{ stackName: 'A', dependsOn: ['Missing'] }])).toThrow(/Missing/);
  });
});

describe('resolvePlaceholders', () => {
  it('fills in account, region and partition', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's ${} syntax, not a template literal
    expect(resolvePlaceholders('arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}', ENV)).toBe(
      'arn:aws:s3:::b-123456789012-us-east-1',
    );
  });
});
