import { analyticsHandler } from '../adapters/analytics-runtime';
import { EVENT_CONTRACTS } from '../contracts';
import { recordAnalytics } from '../domain/analytics';

/**
 * The final fact of each order -> daily outcomes and per-product totals, each fact counted once
 * (docs/design.md). It parses every pipeline event from its producer's source, so one its rule no longer
 * routes is acknowledged as not counted; anything else fails as invalid.
 */
export const handler = analyticsHandler({ accepts: EVENT_CONTRACTS, count: recordAnalytics });
