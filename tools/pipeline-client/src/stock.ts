import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { stockKey } from '../../../lambda/adapters/inventory-repository';

/**
 * Sets a product's available units, as an operator stocking a warehouse would: a plain put of the stock
 * item, the one the reserve-stock and release-stock functions update.
 */
export async function setStock(
  ddb: DynamoDBDocumentClient,
  inventoryTable: string,
  productId: string,
  available: number,
): Promise<void> {
  if (!Number.isInteger(available) || available < 0) {
    throw new Error(`stock of ${productId} must be a whole number, 0 or more, got ${available}`);
  }
  await ddb.send(new PutCommand({ TableName: inventoryTable, Item: { ...stockKey(productId), available } }));
}
