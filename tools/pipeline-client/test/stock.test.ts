import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { stockKey } from '../../../lambda/adapters/inventory-repository';
import { setStock } from '../src/stock';

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = () => DynamoDBDocumentClient.from(new DynamoDBClient({}));

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
});

describe('setStock', () => {
  it('GIVEN a product WHEN stocked THEN its stock item is put with the units available', async () => {
    await setStock(ddb(), 'inventory', 'sku-mug', 12);
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([{ TableName: 'inventory', Item: { ...stockKey('sku-mug'), available: 12 } }]);
  });

  it.each([-1, 1.5, Number.NaN])(
    'GIVEN %p units WHEN stocked THEN it refuses and writes nothing',
    async (n) => {
      await expect(setStock(ddb(), 'inventory', 'sku-mug', n)).rejects.toThrow(
        /stock of sku-mug must be a whole number/,
      );
      expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    },
  );
});
