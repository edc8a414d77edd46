import {
  OrderPlaced,
  type OrderPlacedDetail,
  type OrderSummary,
  type OrderValidatedDetail,
  type PaymentFailedDetail,
  type PaymentSucceededDetail,
  type StockReservedDetail,
} from '../../../lambda/contracts';
import type { OutgoingEvent } from '../../../lambda/domain/events';
import { SimulatedPaymentProvider } from '../../../lambda/domain/payment-provider';
import { reserveStock } from '../../../lambda/domain/reserve-stock';
import { takePayment } from '../../../lambda/domain/take-payment';
import { validateOrder } from '../../../lambda/domain/validate-order';
import { InMemoryInventory } from '../fakes/in-memory-inventory';
import { type FakeWorld, fakeWorld } from '../fakes/step-deps';
import { detailOf } from './events';

export const POLICY = { currencies: ['EUR', 'USD'], maxOrderAmount: 1_000_000 };
export const DECLINE_RULES = [{ customerIdPrefix: 'declined-', reason: 'card declined' }];

export interface Shop extends FakeWorld {
  readonly inventory: InMemoryInventory;
  readonly payments: SimulatedPaymentProvider;
}

export function shop(stock: Record<string, number> = { 'sku-apple': 10, 'sku-pear': 10 }): Shop {
  const world = fakeWorld();
  return {
    ...world,
    inventory: new InMemoryInventory(world.orders, stock),
    payments: new SimulatedPaymentProvider(DECLINE_RULES),
  };
}

function last(world: FakeWorld): OutgoingEvent {
  const event = world.publisher.published.at(-1);
  if (event === undefined) throw new Error('the step published nothing');
  return event;
}

/** Runs the real steps up to the event that the step under test consumes. */
export async function placedAndValidated(s: Shop, order: OrderSummary): Promise<OrderValidatedDetail> {
  const placed: OrderPlacedDetail = detailOf(OrderPlaced, order);
  await validateOrder(placed, { ...s, policy: POLICY });
  return last(s).detail as OrderValidatedDetail;
}

export async function reserved(s: Shop, order: OrderSummary): Promise<StockReservedDetail> {
  await reserveStock(await placedAndValidated(s, order), s);
  return last(s).detail as StockReservedDetail;
}

export async function charged(
  s: Shop,
  order: OrderSummary,
): Promise<PaymentSucceededDetail | PaymentFailedDetail> {
  await takePayment(await reserved(s, order), s);
  return last(s).detail as PaymentSucceededDetail | PaymentFailedDetail;
}
