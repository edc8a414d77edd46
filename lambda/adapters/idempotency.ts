import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_KEY_TTL_SECONDS } from '../contracts/order-api';

/**
 * Powertools' idempotency over the idempotency table (key `id`, TTL `expiration`: the library's
 * defaults, which lib/stacks/data-stack.ts creates). A request is identified by its caller and its
 * Idempotency-Key, and its `order` is hashed: the same key with another order is refused
 * (IdempotencyValidationError), a key whose first request still runs is refused
 * (IdempotencyAlreadyInProgressError), and a completed one answers with the stored result.
 */
export interface IdempotentRequest {
  readonly caller: string;
  readonly idempotencyKey: string;
  readonly order: unknown;
}

export interface Idempotency {
  /** Tell it each invocation's context: a crashed attempt's record then expires with the invocation. */
  readonly config: IdempotencyConfig;
  once<R, A extends IdempotentRequest>(fn: (request: A) => Promise<R>): (request: A) => Promise<R>;
}

export function idempotency(options: {
  readonly tableName: string;
  readonly client: DynamoDBClient;
  /** Prefixes every key; fixed, so a redeployed or renamed function still finds its keys. */
  readonly keyPrefix: string;
}): Idempotency {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[caller, idempotencyKey]',
    payloadValidationJmesPath: 'order',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_KEY_TTL_SECONDS,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  return {
    config,
    once: (fn) => makeIdempotent(fn, { persistenceStore, config, keyPrefix: options.keyPrefix }),
  };
}
