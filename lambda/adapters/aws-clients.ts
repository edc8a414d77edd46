import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SDK_CONNECTION_TIMEOUT_MS, SDK_MAX_ATTEMPTS, SDK_REQUEST_TIMEOUT_MS } from '../shared/limits';
import { traced } from './observability';

/**
 * Settings shared by every SDK client. There is deliberately no `endpoint`: the SDK reads
 * AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) itself, so the same bundle talks to AWS, LocalStack
 * or a local emulator, and setting one here would silently override the variable.
 */
export const SDK_CLIENT_CONFIG = {
  retryMode: 'standard',
  maxAttempts: SDK_MAX_ATTEMPTS,
  requestHandler: { requestTimeout: SDK_REQUEST_TIMEOUT_MS, connectionTimeout: SDK_CONNECTION_TIMEOUT_MS },
} as const;

let client: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;

/** The plain client, which the document client wraps; one per execution environment. */
function dynamoDbClient(): DynamoDBClient {
  client ??= traced(new DynamoDBClient(SDK_CLIENT_CONFIG));
  return client;
}

/**
 * Created on first use and kept for the life of the execution environment (connection reuse).
 * One module per client, so a function that never publishes does not bundle the EventBridge client.
 */
export function dynamoDbDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(dynamoDbClient(), {
    // Optional fields (e.g. an event's causationId) are left out rather than rejected.
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}
