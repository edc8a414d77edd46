import { describe, expect, it } from '@jest/globals';
import { Lazy } from 'aws-cdk-lib';
import * as z from 'zod';
import { envVar } from '../../lambda/shared/environments';
import { checkEnvironment, functionEnvironment } from '../../lib/function-environment';

const SPEC = {
  STAGE: envVar.string,
  MAX_ORDER_AMOUNT: envVar.positiveInt,
  FAULT_RULES: envVar.faultRules,
  MODE: z.enum(['iam', 'jwt']),
};

const fail = (message: string): never => {
  throw new Error(`Owner: ${message}`);
};

describe('functionEnvironment', () => {
  it('keeps exactly the variables of the spec that are set', () => {
    // GIVEN values with a variable the spec does not name, and one with a default left unset
    const values = { STAGE: 'dev', MAX_ORDER_AMOUNT: '100', MODE: 'iam', OTHER: 'x', FAULT_RULES: undefined };
    // WHEN the environment is built THEN only the spec's set variables remain
    expect(functionEnvironment('fn', SPEC, values, fail)).toEqual({
      STAGE: 'dev',
      MAX_ORDER_AMOUNT: '100',
      MODE: 'iam',
    });
  });

  it('lets a value known only at deploy (a token) through unparsed', () => {
    const stage = Lazy.string({ produce: () => '' });
    expect(
      functionEnvironment('fn', SPEC, { STAGE: stage, MAX_ORDER_AMOUNT: '1', MODE: 'jwt' }, fail),
    ).toEqual({ STAGE: stage, MAX_ORDER_AMOUNT: '1', MODE: 'jwt' });
  });

  it('fails naming the function, the variable and the schema issue when a value is refused', () => {
    expect(() =>
      functionEnvironment('take-payment', SPEC, { STAGE: 'dev', MAX_ORDER_AMOUNT: '0', MODE: 'iam' }, fail),
    ).toThrow("Owner: take-payment's MAX_ORDER_AMOUNT is invalid: Too small");
  });
});

describe('checkEnvironment', () => {
  it('passes values the schemas accept, whatever else is set', () => {
    expect(() =>
      checkEnvironment(
        'fn',
        SPEC,
        { STAGE: 'dev', MAX_ORDER_AMOUNT: '5', MODE: 'jwt', NODE_OPTIONS: 'x' },
        fail,
      ),
    ).not.toThrow();
  });

  it('fails naming the variable when one without a default is unset', () => {
    expect(() => checkEnvironment('get-order', SPEC, { MAX_ORDER_AMOUNT: '5', MODE: 'iam' }, fail)).toThrow(
      "Owner: get-order's STAGE is not set: its handler reads it.",
    );
  });

  it('fails naming the variable when a value is outside its enum', () => {
    expect(() =>
      checkEnvironment('get-order', SPEC, { STAGE: 'dev', MAX_ORDER_AMOUNT: '5', MODE: 'cognito' }, fail),
    ).toThrow(/^Owner: get-order's MODE is invalid: /);
  });
});
