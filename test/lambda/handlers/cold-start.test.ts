import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { HANDLER_ENV, restoreEnv, stubEnv } from '../support/env';

/** Every function of the pipeline, one file each; each reads its configuration when its module is loaded. */
const HANDLERS_DIR = path.resolve(__dirname, '../../../lambda/handlers');
const HANDLERS = readdirSync(HANDLERS_DIR).filter((file) => file.endsWith('.ts'));

const load = (file: string) => import(path.join(HANDLERS_DIR, file));

beforeEach(() => {
  jest.resetModules();
  restoreEnv();
});

it('covers the six functions', () => {
  expect(HANDLERS).toHaveLength(6);
});

describe.each(HANDLERS)('the %s handler at cold start', (name) => {
  it('fails to start in production with fault rules, naming FAULT_RULES and what to change', async () => {
    // GIVEN a production function whose environment still carries fault rules
    stubEnv('PRODUCTION', 'true');
    expect(JSON.parse(HANDLER_ENV.FAULT_RULES)).not.toHaveLength(0);
    // WHEN its module is loaded THEN it throws before handling anything
    await expect(load(name)).rejects.toThrow(
      /FAULT_RULES is set \(1 rule\(s\)\) but PRODUCTION is true or not set.*Remove FAULT_RULES/s,
    );
  });

  it('fails to start with fault rules and no PRODUCTION flag, which counts as production', async () => {
    stubEnv('PRODUCTION', undefined);
    await expect(load(name)).rejects.toThrow(/FAULT_RULES is set/);
  });

  it('GIVEN production without fault rules WHEN loaded THEN it starts', async () => {
    stubEnv('PRODUCTION', 'true');
    stubEnv('FAULT_RULES', undefined);
    await expect(load(name)).resolves.toHaveProperty('handler');
  });

  it('GIVEN a test stage with fault rules WHEN loaded THEN it starts', async () => {
    await expect(load(name)).resolves.toHaveProperty('handler');
  });
});
