import type { CostInputs, FunctionUsage } from '../../../src/bench/cost';

/** A run of 100 orders that used nothing: tests add the quantities they price. */
export const NOTHING: CostInputs = {
  orders: 100,
  functions: [],
  apiCalls: {},
  eventBridgeEntries: 0,
  dynamoDb: {},
  logBytes: 0,
};

/** 1,000 invocations of 100 ms at 256 MB, arm64. */
export const VALIDATE_ORDER: FunctionUsage = {
  name: 'validate-order',
  memoryMb: 256,
  architecture: 'arm64',
  invocations: 1_000,
  billedDurationMs: 1_000 * 100,
};
