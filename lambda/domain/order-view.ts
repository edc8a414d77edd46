import type { OrderStatusView } from '../contracts/order-api';
import type { OrderRecord } from './order';

/**
 * What `GET /orders/{orderId}` shows of a stored order, or undefined when the caller may not see it:
 * with `ownOrdersOnly` (JWT authorization) an order placed by anyone else is as unknown as a missing
 * one, so ids cannot be probed.
 */
export function orderViewFor(
  order: OrderRecord | undefined,
  caller: { readonly id: string; readonly ownOrdersOnly: boolean },
): OrderStatusView | undefined {
  if (order === undefined) return undefined;
  if (caller.ownOrdersOnly && order.owner !== caller.id) return undefined;
  return {
    orderId: order.orderId,
    status: order.status,
    history: order.history.map(({ status, at }) => ({ status, at })),
    ...(order.reason === undefined ? {} : { reason: order.reason }),
  };
}
