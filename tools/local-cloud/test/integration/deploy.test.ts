import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeployError, deployApp } from '../../src/deploy';
import { type Emulator, startEmulator } from '../../src/emulator';
import { discoverSqsMappings } from '../../src/lambda-runner';
import { MINI_ASSET, MINI_BUCKET, MINI_STACK, writeMiniAssembly } from './support/mini-app';

/** The deployer against moto: assets, stacks, shims, and its answers when something is in the way. */

let emulator: Emulator;
const assemblies: string[] = [];

function assembly(): string {
  const dir = writeMiniAssembly([{ name: 'Orders' }]);
  assemblies.push(dir);
  return dir;
}

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator?.stop();
  for (const d of assemblies) rmSync(d, { recursive: true, force: true });
});

describe('deployApp', () => {
  it('uploads the bundle, creates the stack with the moto shims, and reads its outputs', async () => {
    // GIVEN a synthesized assembly with one function
    // WHEN it is deployed to a fresh moto
    const deployment = await deployApp({ emulator, assemblyDirectory: assembly() });
    // THEN the stack exists with resolved outputs, the shims are reported, and the bundle is in S3 as a zip
    const [stack] = deployment.stacks;
    expect(stack?.stackName).toBe(MINI_STACK);
    expect(stack?.outputs.BusName).toBe('local-mini-bus');
    expect(stack?.shims.map((s) => s.shim).sort()).toEqual([
      'event-bus-ref-to-name',
      'sqs-event-source-mapping-disabled',
    ]);
    const s3 = new S3Client(emulator.clientConfig);
    const object = await s3.send(new GetObjectCommand({ Bucket: MINI_BUCKET, Key: `${MINI_ASSET}.zip` }));
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    s3.destroy();
    expect(bytes.subarray(0, 4).toString('binary')).toBe('PK\u0003\u0004');
  });

  it('fails for a stack left by an earlier run, naming it and the way out', async () => {
    // GIVEN the stack deployed by the test above is still there
    // WHEN the same app is deployed again
    // THEN the deployer refuses clearly instead of half-updating it
    await expect(deployApp({ emulator, assemblyDirectory: assembly() })).rejects.toThrow(
      new RegExp(`stack ${MINI_STACK} already exists on .* left by an earlier run`),
    );
  });

  it('replaces a stack left by an earlier run when asked to', async () => {
    const deployment = await deployApp({ emulator, assemblyDirectory: assembly(), ifExists: 'replace' });
    expect(deployment.stacks[0]?.outputs.BusName).toBe('local-mini-bus');
  });

  it('fails with the emulator reason when a resource cannot be created', async () => {
    // GIVEN an assembly whose mapping asks for more than the SQS maximum batch size
    const dir = assembly();
    const file = join(dir, `${MINI_STACK}.template.json`);
    const template = JSON.parse(readFileSync(file, 'utf8'));
    template.Resources.OrdersMapping.Properties.BatchSize = 20_000;
    writeFileSync(file, JSON.stringify(template));
    // WHEN it is deployed (as another stack, next to the first)
    const attempt = deployApp({ emulator, assemblyDirectory: dir, ifExists: 'replace' });
    // THEN the error is a DeployError that names the stack and the reason
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect(String(err)).toMatch(new RegExp(`CreateStack ${MINI_STACK} failed: .*BatchSize 20000 exceeds`));
  });
});

describe('discoverSqsMappings', () => {
  it("disables moto's copy of a mapping again if it was re-enabled", async () => {
    // GIVEN a deployed mapping someone enabled on moto
    const deployment = await deployApp({ emulator, assemblyDirectory: assembly(), ifExists: 'replace' });
    const uuid = deployment.stacks[0]?.resources.OrdersMapping?.physicalId;
    const lambda = new LambdaClient(emulator.clientConfig);
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    // WHEN the runner discovers the mappings
    const [mapping] = await discoverSqsMappings(deployment, emulator);
    // THEN moto's copy is disabled again, and the runner's copy is the template's intent (enabled)
    const state = (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State;
    lambda.destroy();
    expect(state).toBe('Disabled');
    expect(mapping?.enabled).toBe(true);
  });
});
