import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigurationError, readEnv, refuseFaultRulesInProduction } from '../../../lambda/adapters/env';
import { envVar, STAGE_ENV } from '../../../lambda/shared/environments';

const spec = {
  ORDERS_TABLE: envVar.string,
  MAX_ORDER_AMOUNT: envVar.positiveInt,
  CURRENCIES: envVar.json(z.array(z.string().length(3)).min(1)),
  FAULT_RULES: envVar.faultRules,
};

describe('readEnv', () => {
  it('GIVEN every variable WHEN read THEN values are typed and FAULT_RULES gets its defaults', () => {
    const config = readEnv(spec, {
      ORDERS_TABLE: 'orders',
      MAX_ORDER_AMOUNT: '1000',
      CURRENCIES: '["EUR"]',
      FAULT_RULES: '[{"orderIdPrefix":"fault-","point":"after-write"}]',
    });

    expect(config).toEqual({
      ORDERS_TABLE: 'orders',
      MAX_ORDER_AMOUNT: 1000,
      CURRENCIES: ['EUR'],
      FAULT_RULES: [{ orderIdPrefix: 'fault-', point: 'after-write', action: 'crash', receives: 1 }],
    });
  });

  it('GIVEN no FAULT_RULES, as in production WHEN read THEN there are no faults', () => {
    const config = readEnv(spec, { ORDERS_TABLE: 'o', MAX_ORDER_AMOUNT: '1', CURRENCIES: '["EUR"]' });
    expect(config.FAULT_RULES).toEqual([]);
  });

  it('fails naming every missing or invalid variable at once', () => {
    const read = () =>
      readEnv(spec, {
        ORDERS_TABLE: ' ',
        MAX_ORDER_AMOUNT: '1.5',
        CURRENCIES: '["EURO"]',
        FAULT_RULES: '[{',
      });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(
      [
        'Invalid function configuration (environment):',
        '  - ORDERS_TABLE: must not be empty',
        '  - MAX_ORDER_AMOUNT: must be a positive integer',
        '  - CURRENCIES[0]: Too big: expected string to have exactly 3 characters',
        '  - FAULT_RULES: must be valid JSON',
      ].join('\n'),
    );
  });

  it('fails with "is not set" for an absent variable', () => {
    expect(() => readEnv({ EVENT_BUS_NAME: envVar.string }, {})).toThrow('EVENT_BUS_NAME is not set');
  });

  it.each(['0', '-3', 'abc', ''])('fails for %j as a positive integer', (value) => {
    expect(() => readEnv({ N: envVar.positiveInt }, { N: value })).toThrow(ConfigurationError);
  });
});

describe('refuseFaultRulesInProduction', () => {
  const rules = '[{"orderIdPrefix":"fault-","point":"after-write"}]';
  const guard = (env: Record<string, string>) => () =>
    refuseFaultRulesInProduction(readEnv(STAGE_ENV, { STAGE: 'prod', ...env }));

  it('fails for fault rules in production, naming the variable and what to change', () => {
    expect(guard({ PRODUCTION: 'true', FAULT_RULES: rules })).toThrow(ConfigurationError);
    expect(guard({ PRODUCTION: 'true', FAULT_RULES: rules })).toThrow(
      /FAULT_RULES is set \(1 rule\(s\)\).*Remove FAULT_RULES.*PRODUCTION=false/s,
    );
  });

  it('fails for fault rules without a PRODUCTION flag: absent counts as production', () => {
    expect(guard({ FAULT_RULES: rules })).toThrow(/FAULT_RULES is set/);
  });

  it('fails for a PRODUCTION flag that is neither true nor false', () => {
    expect(guard({ PRODUCTION: 'yes' })).toThrow('PRODUCTION: must be "true" or "false"');
  });

  it.each([
    ['production without fault rules', { PRODUCTION: 'true' }],
    ['production with an empty rule list', { PRODUCTION: 'true', FAULT_RULES: '[]' }],
    ['a test stage with fault rules', { PRODUCTION: 'false', FAULT_RULES: rules }],
  ])('GIVEN %s WHEN checked THEN it passes', (_, env) => {
    expect(guard(env)).not.toThrow();
  });
});
