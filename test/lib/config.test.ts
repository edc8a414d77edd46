import { describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  loadStageConfig,
  parseStageConfig,
  STAGE_NAMES,
  type StageConfig,
} from '../../lib/config';
import {
  randomFaultRules,
  TEST_CUSTOMER_PREFIX,
  TEST_DECLINE_RULES,
  TEST_ORDER_PREFIX,
} from '../../lib/test-stages';

describe('loadStageConfig', () => {
  it('loads dev when no stage is given', () => {
    expect(loadStageConfig(undefined).stage).toBe('dev');
  });

  it('defines exactly the dev, local and test (emulator) and prod stages', () => {
    expect(STAGE_NAMES).toEqual(['dev', 'local', 'test', 'prod']);
  });

  it('gives the test stage the local settings with a 3 s function timeout, so a failing message comes back within 19 s', () => {
    expect(loadStageConfig('test')).toEqual({
      ...loadStageConfig('local'),
      stage: 'test',
      functionTimeoutSeconds: 3,
    });
  });

  it('marks prod, and only prod, as production, without fault rules', () => {
    const dev = loadStageConfig('dev');
    const prod = loadStageConfig('prod');
    expect(dev.isProduction).toBe(false);
    expect(prod.isProduction).toBe(true);
    expect(prod.faultRules).toEqual([]);
  });

  it('bundles the Powertools Tracer in prod only; the other stages keep the shorter cold start', () => {
    expect(STAGE_NAMES.filter((name) => loadStageConfig(name).powertoolsTracer)).toEqual(['prod']);
    expect(loadStageConfig('pr-7').powertoolsTracer).toBe(false);
  });

  it('fills in the fault rule defaults (crash, first receive)', () => {
    const dev = loadStageConfig('dev');
    expect(dev.faultRules).toContainEqual({
      orderIdPrefix: TEST_ORDER_PREFIX.crashBeforeWrite,
      point: 'before-write',
      action: 'crash',
      receives: 1,
    });
  });

  it('gives dev a rule for every test prefix, so each failure scenario can be driven', () => {
    const dev = loadStageConfig('dev');
    const faultPrefixes = dev.faultRules.map((r) => r.orderIdPrefix);
    const { declinedCustomer, ...faults } = TEST_ORDER_PREFIX;
    expect(faultPrefixes.sort()).toEqual(Object.values(faults).sort());
    expect(dev.paymentDeclineRules.map((r) => r.customerIdPrefix)).toContain(declinedCustomer);
  });

  it('applies valid overrides', () => {
    expect(loadStageConfig('dev', { archiveRetentionDays: 30 }).archiveRetentionDays).toBe(30);
  });

  it('fails for an unknown stage, naming the stages that exist', () => {
    expect(() => loadStageConfig('nope')).toThrow(ConfigError);
    expect(() => loadStageConfig('nope')).toThrow(
      'Unknown stage "nope". Pass -c stage=NAME with one of: dev, local, test, prod, or pr-<number> for a pull request\'s stage (defined in lib/config.ts).',
    );
  });

  it('fails for fault rules in a production stage', () => {
    const override = { faultRules: [{ orderIdPrefix: 'fault-x-', point: 'before-write' as const }] };
    expect(() => loadStageConfig('prod', override)).toThrow(
      /faultRules: fault injection is for test stages only: remove faultRules from a production stage/,
    );
  });

  it('fails for a random fault rate in a production stage', () => {
    expect(() => loadStageConfig('prod', { randomFaultRate: 0.05 })).toThrow(
      /randomFaultRate: fault injection is for test stages only/,
    );
  });

  it('fails for a random fault rate that is not a number between 0 and 0.5', () => {
    expect(() => loadStageConfig('local', { randomFaultRate: Number('lots') })).toThrow(/randomFaultRate/);
    expect(() => loadStageConfig('local', { randomFaultRate: 0.9 })).toThrow(/randomFaultRate/);
  });

  it("GIVEN a random fault rate THEN each fault point crashes benchmark customers' orders with a third of it, short of the DLQ", () => {
    const rules = randomFaultRules(0.06);

    const points = ['before-write', 'after-write', 'before-publish'];
    expect(rules.map((r) => [r.customerIdPrefix, r.point])).toEqual([
      ...points.map((p) => ['bench-', p]),
      ...points.map((p) => ['declined-bench-', p]),
    ]);
    for (const rule of rules) {
      expect(rule).toMatchObject({ action: 'crash', receives: 4 });
      expect(rule.orderIdPrefix).toBeUndefined();
      expect(rule.rate).toBeCloseTo(0.02, 10);
    }
    expect(randomFaultRules(0)).toEqual([]);
  });

  it("GIVEN the benchmark's customers THEN the declined ones still meet the decline rule and every one a random fault rule", () => {
    const declined = `${TEST_ORDER_PREFIX.declinedCustomer}${TEST_CUSTOMER_PREFIX.bench}0003`;
    const rules = randomFaultRules(0.06);

    expect(TEST_DECLINE_RULES.some((r) => declined.startsWith(r.customerIdPrefix ?? '\u0000'))).toBe(true);
    for (const customer of [`${TEST_CUSTOMER_PREFIX.bench}0001`, declined]) {
      expect(rules.filter((r) => customer.startsWith(r.customerIdPrefix ?? '\u0000'))).toHaveLength(3);
    }
  });

  it('fails naming every bad field at once', () => {
    try {
      loadStageConfig('dev', { archiveRetentionDays: 0, currencies: [] });
      throw new Error('loadStageConfig accepted two bad fields');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/- archiveRetentionDays: .*\n {2}- currencies: /);
    }
  });
});

describe('stage settings validation (scenario 19: unsafe configuration fails synth)', () => {
  it.each<[string, Partial<Record<keyof StageConfig, unknown>>, string]>([
    ['fails for a stage name with capitals or underscores', { stage: 'Bad_Name' }, 'stage'],
    ['fails for a one-letter stage name', { stage: 'd' }, 'stage'],
    ['fails for an account id that is not 12 digits', { account: '12345' }, 'account'],
    ['fails for a malformed region', { region: 'mars' }, 'region'],
    ['fails for a missing isProduction flag', { isProduction: undefined }, 'isProduction'],
    ['fails for an archive retention of 0 days', { archiveRetentionDays: 0 }, 'archiveRetentionDays'],
    ['fails for an archive retention above 10 years', { archiveRetentionDays: 3651 }, 'archiveRetentionDays'],
    ['fails for a fractional archive retention', { archiveRetentionDays: 1.5 }, 'archiveRetentionDays'],
    ['fails for an unknown log level', { logLevel: 'TRACE' }, 'logLevel'],
    ['fails for a log retention CloudWatch does not offer', { logRetentionDays: 10 }, 'logRetentionDays'],
    ['fails for no currencies', { currencies: [] }, 'currencies'],
    ['fails for a lower-case currency code', { currencies: ['eur'] }, 'currencies.0'],
    ['fails for a zero maximum order amount', { maxOrderAmount: 0 }, 'maxOrderAmount'],
    ['fails for a fractional maximum order amount', { maxOrderAmount: 10.5 }, 'maxOrderAmount'],
    [
      'fails for a decline rule without a reason',
      { paymentDeclineRules: [{ minAmount: 1, reason: '' }] },
      'paymentDeclineRules.0.reason',
    ],
    [
      'fails for a decline rule with an empty customer id prefix',
      { paymentDeclineRules: [{ customerIdPrefix: '', reason: 'x' }] },
      'paymentDeclineRules.0.customerIdPrefix',
    ],
    [
      'fails for a negative decline amount',
      { paymentDeclineRules: [{ minAmount: -1, reason: 'x' }] },
      'paymentDeclineRules.0.minAmount',
    ],
    [
      'fails for a fault prefix shorter than 3 characters',
      { faultRules: [{ orderIdPrefix: 'ab', point: 'after-write' }] },
      'faultRules.0.orderIdPrefix',
    ],
    [
      'fails for an unknown fault point',
      { faultRules: [{ orderIdPrefix: 'fault-', point: 'nowhere' }] },
      'faultRules.0.point',
    ],
    [
      'fails for an unknown fault action',
      { faultRules: [{ orderIdPrefix: 'fault-', point: 'after-write', action: 'explode' }] },
      'faultRules.0.action',
    ],
    [
      'fails for a fault that never fires',
      { faultRules: [{ orderIdPrefix: 'fault-', point: 'after-write', receives: 0 }] },
      'faultRules.0.receives',
    ],
    [
      'fails for a fault that fires on more than 10 receives',
      { faultRules: [{ orderIdPrefix: 'fault-', point: 'after-write', receives: 11 }] },
      'faultRules.0.receives',
    ],
  ])('%s', (_name, override, field) => {
    // GIVEN dev's settings with one bad value WHEN validated THEN a ConfigError names the field
    const base = loadStageConfig('dev');
    const bad = { ...base, ...override };
    expect(() => parseStageConfig(bad)).toThrow(ConfigError);
    expect(() => parseStageConfig(bad)).toThrow(
      new RegExp(
        `^Invalid settings for this stage in lib/config.ts:\\n {2}- ${field.replace(/\./g, '\\.')}: `,
      ),
    );
  });

  it('fails for settings that are not an object at all', () => {
    expect(() => parseStageConfig(null)).toThrow(
      /Invalid settings for this stage in lib\/config.ts:\n {2}- \(root\): /,
    );
  });
});
