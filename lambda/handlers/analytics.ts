import { analyticsHandler } from '../adapters/analytics-runtime';
import { EVENT_CONTRACTS } from '../contracts';
import { recordAnalytics } from '../domain/analytics';

/** Every pipeline event -> daily and per-product totals, each fact counted once (docs/design.md). */
export const handler = analyticsHandler({ accepts: EVENT_CONTRACTS, count: recordAnalytics });
