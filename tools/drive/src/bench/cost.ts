import {
  CostInputError,
  type CostInputs,
  costInputsSchema,
  costOptionsSchema,
  parseOrThrow,
} from './cost-inputs';
import { runLines, SERVICES, type Service, unpricedApiCalls } from './cost-lines';
import { DEFAULT_PRICE_TABLE_FILE, DEFAULT_PRICES, type PriceTable, parsePriceTable } from './cost-prices';

/**
 * Cost per 1,000,000 orders on AWS list prices, from what one measured run counted: HTTP API requests, API calls,
 * configured Lambda memory with billed durations, PutEvents entries, DynamoDB capacity units by table and
 * logged bytes. Pure: the only input besides the arguments is the dated price table.
 *
 * Every quantity is scaled linearly (quantity / orders x 1,000,000); nothing is rounded here, so
 * presentation rounds once, with `roundUsd`. Fixed monthly costs (alarms, dashboards) do not grow
 * with orders and are returned apart from the per-order cost; `costAtVolume` adds the two.
 *
 * The parts: bench/cost-inputs.ts (what a run counted, validated), bench/cost-prices.ts (the price table,
 * validated), bench/cost-lines.ts (one pricer per service); this file scales, sums and adds the fixed part.
 */

export * from './cost-inputs';
export { BYTES_PER_GB, SERVICES, type Service } from './cost-lines';
export * from './cost-prices';

export interface CostOptions {
  /** @default DEFAULT_PRICES - the dated table in DEFAULT_PRICE_TABLE_FILE */
  readonly prices?: PriceTable;
  /** Standard-resolution alarm metrics of the stage. @default - no alarm cost */
  readonly alarms?: number;
  /** CloudWatch dashboards of the stage. @default - no dashboard cost */
  readonly dashboards?: number;
}

export interface CostLine {
  readonly service: Service;
  readonly item: string;
  /** Quantity per 1,000,000 orders, in `unit`. */
  readonly quantityPer1M: number;
  readonly unit: string;
  /** Price of one `unit`. */
  readonly unitPriceUsd: number;
  /** The price as the table lists it, e.g. 0.2 per "1M requests". */
  readonly listPrice: { readonly usd: number; readonly per: string };
  /** quantityPer1M x unitPriceUsd. */
  readonly usd: number;
}

export interface FixedCostItem {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly usd: number;
}

export interface FixedMonthlyCost {
  readonly totalUsd: number;
  readonly items: readonly FixedCostItem[];
}

export interface CostBreakdown {
  /** Per 1,000,000 orders, variable costs only. */
  readonly totalUsd: number;
  /** Every service of SERVICES, 0 when unused. */
  readonly byService: Readonly<Record<Service, number>>;
  readonly lines: readonly CostLine[];
  /** Calls per 1,000,000 orders of services the price table does not cover (none expected). */
  readonly unpricedApiCalls: Readonly<Record<string, number>>;
  readonly priceTable: {
    readonly asOf: string;
    readonly region: string;
    readonly currency: string;
    readonly file: string;
  };
  /** Monthly, whatever the volume; not part of totalUsd. */
  readonly fixedMonthlyUsd: FixedMonthlyCost;
}

/** Prices a run. Throws a CostInputError naming every bad input or price before pricing anything. */
export function costPer1MOrders(inputs: CostInputs, options: CostOptions = {}): CostBreakdown {
  const { prices: given, ...counts } = options;
  const prices = given === undefined ? DEFAULT_PRICES : parsePriceTable(given);
  const run = parseOrThrow(costInputsSchema, inputs);
  const fixed = parseOrThrow(costOptionsSchema, counts);

  const scale = 1_000_000 / run.orders;
  const lines: CostLine[] = runLines(run, prices).map(({ quantity, price, ...line }) => {
    const { unitPriceUsd, ...listPrice } = price;
    const quantityPer1M = quantity * scale;
    return { ...line, quantityPer1M, unitPriceUsd, listPrice, usd: quantityPer1M * unitPriceUsd };
  });
  const byService = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<Service, number>;
  for (const line of lines) byService[line.service] += line.usd;

  return {
    totalUsd: sum(lines.map((l) => l.usd)),
    byService,
    lines,
    unpricedApiCalls: Object.fromEntries(
      Object.entries(unpricedApiCalls(run)).map(([key, calls]) => [key, calls * scale]),
    ),
    priceTable: {
      asOf: prices.asOf,
      region: prices.region,
      currency: prices.currency,
      file: given === undefined ? DEFAULT_PRICE_TABLE_FILE : 'supplied by the caller',
    },
    fixedMonthlyUsd: fixedMonthly(prices, fixed),
  };
}

/** Monthly cost at `ordersPerMonth`: the per-order cost scaled to that volume plus the fixed monthly cost. */
export function costAtVolume(breakdown: CostBreakdown, ordersPerMonth: number): number {
  if (!Number.isFinite(ordersPerMonth) || ordersPerMonth < 0) {
    throw new CostInputError(`ordersPerMonth must be a finite number >= 0, got ${ordersPerMonth}`);
  }
  return (breakdown.totalUsd * ordersPerMonth) / 1_000_000 + breakdown.fixedMonthlyUsd.totalUsd;
}

/**
 * For presentation only: cents from 10 USD up (12.35, 1234.57), 4 significant digits below
 * (5.333, 0.0001235), so small per-order costs keep their digits and large ones their cents.
 */
export function roundUsd(usd: number): number {
  if (!Number.isFinite(usd) || usd === 0) return usd;
  if (Math.abs(usd) >= 10) return Math.round(usd * 100) / 100;
  return Number(usd.toPrecision(4));
}

function fixedMonthly(
  prices: PriceTable,
  counts: { readonly alarms?: number; readonly dashboards?: number },
): FixedMonthlyCost {
  const items: FixedCostItem[] = [];
  const add = (item: string, quantity: number, unit: string, unitPriceUsd: number) =>
    items.push({ item, quantity, unit, unitPriceUsd, usd: quantity * unitPriceUsd });
  if (counts.alarms !== undefined) {
    add(
      'CloudWatch standard alarms',
      counts.alarms,
      'alarm metric-month',
      prices.cloudWatch.standardAlarmPerMonth,
    );
  }
  if (counts.dashboards !== undefined) {
    add('CloudWatch dashboards', counts.dashboards, 'dashboard-month', prices.cloudWatch.dashboardPerMonth);
  }
  return { totalUsd: sum(items.map((i) => i.usd)), items };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
