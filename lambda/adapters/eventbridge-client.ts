import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SDK_CLIENT_CONFIG } from './aws-clients';
import { traced } from './observability';

let eventBridge: EventBridgeClient | undefined;

/** Created on first use and kept for the life of the execution environment (connection reuse). */
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= traced(new EventBridgeClient(SDK_CLIENT_CONFIG));
  return eventBridge;
}
