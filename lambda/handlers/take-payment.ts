import { orderStepHandler } from '../adapters/order-step-runtime';
import { StockReserved } from '../contracts';
import { takePayment } from '../domain/take-payment';

/** StockReserved -> one charge: PAID (PaymentSucceeded) or PAYMENT_FAILED (PaymentFailed). */
export const handler = orderStepHandler({ name: 'take-payment', accepts: StockReserved, step: takePayment });
