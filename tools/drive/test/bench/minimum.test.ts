import { describe, expect, it } from '@jest/globals';
import { deliveriesPerEntry, minimumCallsPerOrder, ruleRoutes, STATE_WRITE } from '../../src/bench/minimum';

const template = {
  Resources: {
    ValidateRule: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { 'detail-type': ['OrderPlaced'] }, Targets: [{}] },
    },
    ReserveRule: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { 'detail-type': ['OrderValidated'] }, Targets: [{}] },
    },
    AnalyticsRule: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { 'detail-type': ['OrderPlaced', 'OrderValidated'] }, Targets: [{}] },
    },
    Queue: { Type: 'AWS::SQS::Queue' },
  },
};

describe('minimumCallsPerOrder', () => {
  it('GIVEN two events each reaching two queues THEN four hops, each one delivery, one write and a tenth of a receive and delete', () => {
    const minimum = minimumCallsPerOrder(['OrderPlaced', 'OrderValidated'], ruleRoutes([template]));

    expect(minimum.hops).toBe(4);
    expect(minimum.byOperation).toEqual({
      'EventBridge.PutEvents': 0.2,
      'SQS.SendMessage': 4,
      'SQS.ReceiveMessage': 0.4,
      'SQS.DeleteMessageBatch': 0.4,
      [STATE_WRITE]: 4,
    });
    expect(minimum.total).toBeCloseTo(9, 10);
  });

  it('GIVEN a rule without a detail-type filter THEN it receives every event', () => {
    const routes = ruleRoutes([
      {
        Resources: {
          All: { Type: 'AWS::Events::Rule', Properties: { EventPattern: {}, Targets: [{}, {}] } },
        },
      },
    ]);

    expect(minimumCallsPerOrder(['A', 'B', 'C'], routes).hops).toBe(6);
  });

  it('GIVEN a rule listing each detail type with its own source ($or) THEN it receives exactly those types', () => {
    const routes = ruleRoutes([
      {
        Resources: {
          Analytics: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: {
                $or: [
                  { source: ['orders.fulfil-order'], 'detail-type': ['OrderFulfilled'] },
                  { source: ['orders.reserve-stock'], 'detail-type': ['OutOfStock'] },
                ],
              },
              Targets: [{}],
            },
          },
        },
      },
      template,
    ]);
    const deliveries = deliveriesPerEntry(routes);

    expect(routes[0]?.detailTypes).toEqual(['OrderFulfilled', 'OutOfStock']);
    expect(['OrderFulfilled', 'OutOfStock', 'OrderPlaced', 'StockReserved'].map(deliveries)).toEqual([
      1, 1, 2, 0,
    ]);
  });
});
