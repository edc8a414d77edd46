import { type EventContract, PRODUCERS, type Producer, sourceOf } from './envelope';
import { OrderCancelled } from './order-cancelled';
import { OrderFulfilled } from './order-fulfilled';
import { OrderPlaced } from './order-placed';
import { OrderRejected } from './order-rejected';
import { OrderValidated } from './order-validated';
import { OutOfStock } from './out-of-stock';
import { PaymentFailed } from './payment-failed';
import { PaymentSucceeded } from './payment-succeeded';
import { StockReserved } from './stock-reserved';

export * from './envelope';
export * from './order-cancelled';
export * from './order-fulfilled';
export * from './order-placed';
export * from './order-rejected';
export * from './order-summary';
export * from './order-validated';
export * from './out-of-stock';
export * from './payment-failed';
export * from './payment-succeeded';
export * from './stock-reserved';

/** Every event of the pipeline, in flow order. */
export const EVENT_CONTRACTS = [
  OrderPlaced,
  OrderValidated,
  OrderRejected,
  StockReserved,
  OutOfStock,
  PaymentSucceeded,
  PaymentFailed,
  OrderCancelled,
  OrderFulfilled,
] as const;

export type AnyContract = (typeof EVENT_CONTRACTS)[number];

/**
 * The facts that end an order: every order that reaches a final state has exactly one of them
 * (FULFILLED, REJECTED, CANCELLED out of stock, CANCELLED after a declined payment). What analytics counts.
 */
export const FINAL_EVENT_CONTRACTS = [OrderRejected, OutOfStock, OrderCancelled, OrderFulfilled] as const;
export type FinalContract = (typeof FINAL_EVENT_CONTRACTS)[number];
export type FinalDetailType = FinalContract['detailType'];
export type DetailType = AnyContract['detailType'];
export const DETAIL_TYPES: readonly DetailType[] = EVENT_CONTRACTS.map((c) => c.detailType);

export function contractFor(detailType: string): EventContract | undefined {
  return EVENT_CONTRACTS.find((c) => c.detailType === detailType);
}

/** The detail types `producer` states: what its role may put, and all a consumer accepts from its source. */
export function detailTypesOf(producer: Producer): DetailType[] {
  return EVENT_CONTRACTS.filter((c) => c.producer === producer).map((c) => c.detailType);
}

/** The source a `detailType` event must carry: its producer's. */
export function sourceFor(detailType: DetailType): string {
  const contract = contractFor(detailType);
  if (contract === undefined) throw new Error(`no contract for detail type ${detailType}`);
  return contract.source;
}

/** Every source of the pipeline, the client's first. */
export const SOURCES: readonly string[] = PRODUCERS.map(sourceOf);
