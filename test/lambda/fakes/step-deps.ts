import { type FaultHook, withFaults } from '../../../lambda/adapters/fault-injector';
import type { OutgoingEvent } from '../../../lambda/domain/events';
import type { Clock, EventPublisher, IdGenerator, Logger, OrderStepDeps } from '../../../lambda/domain/ports';
import type { FaultPoint } from '../../../lambda/shared/settings';
import { InMemoryOrders } from './in-memory-orders';

/** Records what reached "the bus"; can be told to fail the next calls, like an unavailable bus. */
export class RecordingPublisher implements EventPublisher {
  readonly published: OutgoingEvent[] = [];
  failures = 0;

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('bus unavailable');
    }
    this.published.push(...structuredClone(events));
  }

  ofType(detailType: string): OutgoingEvent[] {
    return this.published.filter((e) => e.detailType === detailType);
  }
}

export class FixedClock implements Clock {
  constructor(public time = new Date('2025-03-14T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.time);
  }
}

export class SequentialIds implements IdGenerator {
  private next = 0;
  newEventId(): string {
    this.next += 1;
    return `10000000-0000-4000-8000-${this.next.toString(16).padStart(12, '0')}`;
  }
}

export class SilentLogger implements Logger {
  readonly lines: { level: string; message: string; attributes: Record<string, unknown>[] }[] = [];
  debug = (message: string, ...attributes: Record<string, unknown>[]) =>
    this.record('debug', message, attributes);
  info = (message: string, ...attributes: Record<string, unknown>[]) =>
    this.record('info', message, attributes);
  warn = (message: string, ...attributes: Record<string, unknown>[]) =>
    this.record('warn', message, attributes);
  error = (message: string, ...attributes: Record<string, unknown>[]) =>
    this.record('error', message, attributes);
  private record(level: string, message: string, attributes: Record<string, unknown>[]) {
    this.lines.push({ level, message, attributes });
  }
}

export class CrashError extends Error {
  override readonly name = 'CrashError';
}

/** Crashes the next time the step reaches `point` (like a fault rule with receives: 1). */
export class CrashOnce implements FaultHook {
  private armed = true;
  constructor(private readonly point: FaultPoint) {}
  async at(point: FaultPoint): Promise<void> {
    if (this.armed && point === this.point) {
      this.armed = false;
      throw new CrashError(`crash at ${point}`);
    }
  }
  learnCustomer(): void {}
}

/** `deps` with its ports wrapped in the fault decorators of the functions, crashing once at `point`. */
export function crashOnce<D extends Pick<OrderStepDeps, 'orders' | 'publisher'>>(
  deps: D,
  point: FaultPoint,
): D {
  return withFaults(deps, new CrashOnce(point));
}

export interface FakeWorld extends OrderStepDeps {
  readonly orders: InMemoryOrders;
  readonly publisher: RecordingPublisher;
  readonly clock: FixedClock;
  readonly logger: SilentLogger;
}

export function fakeWorld(overrides: Partial<OrderStepDeps> = {}): FakeWorld {
  return {
    orders: new InMemoryOrders(),
    publisher: new RecordingPublisher(),
    clock: new FixedClock(),
    ids: new SequentialIds(),
    logger: new SilentLogger(),
    ...overrides,
  } as FakeWorld;
}
