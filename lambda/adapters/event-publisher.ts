import { setTimeout as delay } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { MAX_EVENT_BYTES, sourceFor } from '../contracts';
import { EventTooLargeError } from '../domain/errors';
import { type OutgoingEvent, putEventsEntrySize } from '../domain/events';
import type { EventPublisher } from '../domain/ports';
import { PUT_EVENTS_BASE_DELAY_MS, PUT_EVENTS_MAX_ATTEMPTS, PUT_EVENTS_MAX_ENTRIES } from '../shared/limits';

export interface FailedEntry {
  readonly eventId: string;
  readonly detailType: string;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

/** Some entries were still refused after every attempt. Lists them by event id, never their content. */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(readonly failedEntries: readonly FailedEntry[]) {
    super(
      `PutEvents refused ${failedEntries.length} entr${failedEntries.length === 1 ? 'y' : 'ies'}: ${failedEntries
        .map((f) => `${f.detailType} ${f.eventId} (${f.errorCode})`)
        .join(', ')}`,
    );
  }
}

export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
  /** @default PUT_EVENTS_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /** @default PUT_EVENTS_BASE_DELAY_MS */
  readonly baseDelayMs?: number;
  /** @default MAX_EVENT_BYTES */
  readonly maxEventBytes?: number;
  /** Waits between attempts. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

interface Pending {
  readonly event: OutgoingEvent;
  readonly entry: PutEventsRequestEntry;
}

/**
 * Puts events on the bus. PutEvents can refuse single entries without throwing, so every response is
 * checked and only the refused entries are sent again, with exponential backoff and full jitter
 * (the SDK's own retries cover only whole-call failures such as throttling of the call).
 */
export class EventBridgePublisher implements EventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxEventBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.maxAttempts = options.maxAttempts ?? PUT_EVENTS_MAX_ATTEMPTS;
    this.baseDelayMs = options.baseDelayMs ?? PUT_EVENTS_BASE_DELAY_MS;
    this.maxEventBytes = options.maxEventBytes ?? MAX_EVENT_BYTES;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.random = options.random ?? (() => Math.random());
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    // Every entry is checked before the first call, so an oversize event never leaves half a batch sent.
    const pending = events.map((event) => this.toPending(event));
    const failed: FailedEntry[] = [];
    for (let start = 0; start < pending.length; start += PUT_EVENTS_MAX_ENTRIES) {
      failed.push(...(await this.sendWithRetries(pending.slice(start, start + PUT_EVENTS_MAX_ENTRIES))));
    }
    if (failed.length > 0) throw new PublishError(failed);
  }

  private toPending(event: OutgoingEvent): Pending {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.options.eventBusName,
      Source: sourceFor(event.detailType),
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    };
    const size = putEventsEntrySize(entry);
    if (size > this.maxEventBytes) throw new EventTooLargeError(event.detailType, size, this.maxEventBytes);
    return { event, entry };
  }

  private async sendWithRetries(chunk: readonly Pending[]): Promise<FailedEntry[]> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const response = await this.options.client.send(
        new PutEventsCommand({ Entries: pending.map((p) => p.entry) }),
      );
      if (!response.FailedEntryCount) return [];
      // Result entries line up with request entries; an entry without an EventId was not accepted.
      const refused = pending
        .map((p, i) => ({ p, result: response.Entries?.[i] }))
        .filter(({ result }) => result?.ErrorCode !== undefined || result?.EventId === undefined);
      if (attempt >= this.maxAttempts) {
        return refused.map(({ p, result }) => ({
          eventId: p.event.detail.metadata.eventId,
          detailType: p.event.detailType,
          errorCode: result?.ErrorCode ?? 'MissingResultEntry',
          ...(result?.ErrorMessage === undefined ? {} : { errorMessage: result.ErrorMessage }),
        }));
      }
      await this.sleep(this.random() * this.baseDelayMs * 2 ** (attempt - 1));
      pending = refused.map(({ p }) => p);
    }
  }
}
