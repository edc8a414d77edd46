import { describe, expect, it } from '@jest/globals';
import { costPer1MOrders } from '../../src/bench/cost';
import { CostInputError, type CostInputs, costInputsSchema, parseOrThrow } from '../../src/bench/cost-inputs';
import { NOTHING, VALIDATE_ORDER } from './support/cost-fixtures';

const usage = (overrides: Record<string, unknown>) => ({ ...NOTHING, ...overrides }) as CostInputs;

describe('the cost inputs', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'zero orders',
      { orders: 0 },
      /^orders must be a finite number > 0 \(the orders the run handled\), got 0$/,
    ],
    ['negative orders', { orders: -5 }, /orders must be a finite number > 0/],
    [
      'NaN orders',
      { orders: Number.NaN },
      /orders must be a finite number > 0 \(the orders the run handled\), got NaN/,
    ],
    [
      'memory outside Lambda’s range',
      { functions: [{ ...VALIDATE_ORDER, memoryMb: 64 }] },
      /^functions\[0\]\.memoryMb must be a whole number of MB from 128 to 10240, got 64$/,
    ],
    [
      'an unknown architecture',
      { functions: [{ ...VALIDATE_ORDER, architecture: 'riscv' }] },
      /^functions\[0\]\.architecture must be arm64 or x86_64, got "riscv"$/,
    ],
    [
      'a billed duration that was not rounded up to whole milliseconds',
      { functions: [{ ...VALIDATE_ORDER, billedDurationMs: 100_000.5 }] },
      /billedDurationMs \(sum of durations each rounded up to 1 ms\) must be a whole number >= 0, got 100000\.5/,
    ],
    [
      'a billed duration under 1 ms per invocation',
      { functions: [{ ...VALIDATE_ORDER, billedDurationMs: 999 }] },
      /^functions\[0\]\.billedDurationMs 999 is less than its 1000 invocations: Lambda bills every invocation at least 1 ms$/,
    ],
    [
      'negative invocations',
      { functions: [{ ...VALIDATE_ORDER, invocations: -1 }] },
      /functions\[0\]\.invocations must be a whole number >= 0, got -1/,
    ],
    [
      'a function listed twice',
      { functions: [VALIDATE_ORDER, VALIDATE_ORDER] },
      /^functions\[1\]: function "validate-order" is listed twice$/,
    ],
    [
      'a function without a name',
      { functions: [{ ...VALIDATE_ORDER, name: '' }] },
      /^functions\[0\]\.name must be a non-empty function name, got ""$/,
    ],
    [
      'negative API calls',
      { apiCalls: { 'SQS.ReceiveMessage': -1 } },
      /^apiCalls\["SQS\.ReceiveMessage"\] must be a finite number >= 0, got -1$/,
    ],
    [
      'an API call key without an operation',
      { apiCalls: { ReceiveMessage: 3 } },
      /^key "ReceiveMessage" of apiCalls must be "Service\.Operation", e\.g\. "SQS\.ReceiveMessage"$/,
    ],
    [
      'negative PutEvents entries',
      { eventBridgeEntries: -2 },
      /^eventBridgeEntries must be a finite number >= 0, got -2$/,
    ],
    [
      'infinite event bytes',
      { eventBridgeBytes: Number.POSITIVE_INFINITY },
      /^eventBridgeBytes must be .*, got Infinity$/,
    ],
    [
      'negative write units of a table',
      { dynamoDb: { orders: { writeUnits: -1, readUnits: 0 } } },
      /^dynamoDb\.orders\.writeUnits must be a finite number >= 0, got -1$/,
    ],
    [
      'read units given as text',
      { dynamoDb: { analytics: { writeUnits: 0, readUnits: '1' } } },
      /^dynamoDb\.analytics\.readUnits must be a finite number >= 0, got "1"$/,
    ],
    [
      'DynamoDB units not split by table',
      { dynamoDb: { writeUnits: 10, readUnits: 1 } },
      /^dynamoDb\.writeUnits must be one table’s \{ writeUnits, readUnits \}, got 10/,
    ],
    ['a missing quantity', { logBytes: undefined }, /^logBytes must be a finite number >= 0, got undefined$/],
    ['negative log bytes', { logBytes: -10 }, /^logBytes must be a finite number >= 0, got -10$/],
    ['negative traces', { tracedInvocations: -1 }, /^tracedInvocations must be/],
    [
      'negative HTTP API requests',
      { httpApiRequests: -1 },
      /^httpApiRequests must be a finite number >= 0, got -1$/,
    ],
    ['NaN HTTP API requests', { httpApiRequests: Number.NaN }, /^httpApiRequests must be/],
    [
      'a misspelt quantity, which would otherwise go unpriced',
      { httpApiRequest: 250 },
      /^the input has unknown field\(s\) httpApiRequest: a typo, or a price not modelled$/,
    ],
  ])('fails for %s, naming the field', (_case, overrides, message) => {
    expect(() => costPer1MOrders(usage(overrides))).toThrow(CostInputError);
    expect(() => costPer1MOrders(usage(overrides))).toThrow(message);
  });

  it('fails naming every bad field at once, not just the first', () => {
    expect(() => costPer1MOrders(usage({ orders: 0, logBytes: -1 }))).toThrow(
      'orders must be a finite number > 0 (the orders the run handled), got 0; ' +
        'logBytes must be a finite number >= 0, got -1',
    );
  });

  it.each([
    [{ alarms: -1 }, /^alarms must be a whole number >= 0, got -1$/],
    [{ alarms: 2.5 }, /^alarms must be a whole number >= 0, got 2\.5$/],
    [{ dashboards: Number.NaN }, /^dashboards must be a whole number >= 0, got NaN$/],
  ])('fails for fixed-cost counts %j', (options, message) => {
    expect(() => costPer1MOrders(NOTHING, options)).toThrow(message);
  });

  it('GIVEN the quantities of a run WHEN parsed THEN they come back as given, the optional ones absent', () => {
    const run: CostInputs = {
      ...NOTHING,
      functions: [VALIDATE_ORDER],
      apiCalls: { 'SQS.SendMessage': 9 },
      dynamoDb: { orders: { writeUnits: 7, readUnits: 0.5 }, idempotency: { writeUnits: 2, readUnits: 0 } },
    };
    expect(parseOrThrow(costInputsSchema, run)).toEqual(run);
  });
});
