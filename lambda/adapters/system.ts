import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '../domain/ports';

/** The real clock and id source; tests pass fakes instead. */
export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { newEventId: () => randomUUID() };
