import type { OrderLine } from '../../../../lambda/contracts';
import type { DemoPolicy } from './expectations';

/**
 * What the demo sells and how it aims at each outcome: the plentiful products and their everyday lines,
 * the scarce product that sells out, a currency the stage does not accept, and the line or customer that
 * the stage's payment rules decline.
 */

export interface CatalogueProduct {
  readonly productId: string;
  readonly unitPrice: number;
}

/** Plentiful products: stocked for every order that may hold them at once, plus a margin. */
export const CATALOGUE: readonly [CatalogueProduct, ...CatalogueProduct[]] = [
  { productId: 'sku-espresso-250g', unitPrice: 1_250 },
  { productId: 'sku-filter-papers', unitPrice: 450 },
  { productId: 'sku-mug-stoneware', unitPrice: 1_900 },
  { productId: 'sku-grinder-c2', unitPrice: 8_900 },
];

/** The scarce product: fulfilled orders buy exactly its stock, out-of-stock orders ask for more. */
export const SCARCE_PRODUCT = { productId: 'sku-kettle-limited', unitPrice: 14_900 } as const;
/** Units of the scarce product on sale: it sells out. */
export const SCARCE_UNITS = 3;
/** Units left of each plentiful product after the worst case (every reservation held at once). */
export const STOCK_MARGIN = 20;

/** Currencies to pick an unaccepted one from (ISO 4217). */
const OTHER_CURRENCIES = ['JPY', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CAD', 'AUD', 'NZD', 'SGD'];

/** A currency the stage does not accept; undefined when it accepts every one the demo knows. */
export function unacceptedCurrency(policy: DemoPolicy): string | undefined {
  return OTHER_CURRENCIES.find((c) => !policy.currencies.includes(c));
}

/** The `i`-th plentiful product, round the catalogue. */
export function plentiful(i: number): CatalogueProduct {
  return CATALOGUE[i % CATALOGUE.length] ?? CATALOGUE[0];
}

/** Everyday lines: one to three distinct plentiful products, one to three units each. */
export function everydayLines(i: number): OrderLine[] {
  const count = 1 + (i % 3);
  return Array.from({ length: count }, (_, j) => {
    const product = plentiful(i + j);
    return { productId: product.productId, quantity: 1 + ((i + j) % 3), unitPrice: product.unitPrice };
  });
}

export const total = (lines: readonly OrderLine[]) =>
  lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);

/** How the stage's payment rules let the demo aim at a decline: by customer id, else by amount. */
export type DeclineAim =
  | { readonly by: 'customer'; readonly prefix: string }
  | { readonly by: 'amount'; readonly line: OrderLine }
  | undefined;

export function declineAim(policy: DemoPolicy): DeclineAim {
  const byCustomer = policy.paymentDeclineRules.find(
    (r) => r.customerIdPrefix !== undefined && r.minAmount === undefined,
  );
  if (byCustomer?.customerIdPrefix) return { by: 'customer', prefix: byCustomer.customerIdPrefix };
  for (const rule of policy.paymentDeclineRules) {
    if (rule.customerIdPrefix !== undefined || rule.minAmount === undefined) continue;
    for (const product of [...CATALOGUE].sort((a, b) => b.unitPrice - a.unitPrice)) {
      const quantity = Math.max(1, Math.ceil(rule.minAmount / product.unitPrice));
      if (quantity <= 1000 && quantity * product.unitPrice <= policy.maxOrderAmount) {
        return {
          by: 'amount',
          line: { productId: product.productId, quantity, unitPrice: product.unitPrice },
        };
      }
    }
  }
  return undefined;
}
