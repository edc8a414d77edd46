import { describe, expect, it } from '@jest/globals';
import { loadStageConfig } from '../../../../lib/config';
import { evaluate, type Observation } from '../../src/demo/outcome';
import type { RunResult } from '../../src/demo/play';
import { formatReport, verdict } from '../../src/demo/report';
import { buildScenario } from '../../src/demo/scenario';

const SCENARIO = buildScenario({
  runId: 'cd56',
  orders: 60,
  policy: loadStageConfig('local'),
  now: new Date('2026-11-26T12:00:00.000Z'),
  eventId: '7d0f8a52-3c1e-4b7a-9d55-0f6f2c3a9b10',
});
const TIMINGS = { emulatorMs: 1_200, synthMs: 15_000, deployMs: 3_000, wallMs: 200_000 };

function observation(orders: Observation['orders']): Observation {
  return {
    orders,
    stock: new Map(SCENARIO.products.map((p) => [p.productId, p.expectedStock])),
    analytics: SCENARIO.expectedAnalytics,
    deadLetters: SCENARIO.expectedDeadLetters,
    malformed: { ValidateOrderDlqUrl: 'original-body' },
  };
}

function result(obs: Observation, settled = true): RunResult {
  return {
    observation: obs,
    outcome: evaluate(SCENARIO, obs),
    settled,
    placedInMs: 300,
    placedAt: new Map(),
    orderIds: new Map(),
    placeStartedAt: 0,
    allFinalAfterMs: 17_000,
    settledAfterMs: 160_000,
  };
}

const asBuilt = () => new Map(SCENARIO.orders.map((o) => [o.order.orderId, { ...o.expected }]));

describe('formatReport', () => {
  it('shows states, stock, analytics, DLQs and timings, and ends with PASS', () => {
    // GIVEN a run that ended as built
    // WHEN reported
    const text = formatReport(SCENARIO, result(observation(asBuilt())), TIMINGS).join('\n');
    // THEN every section is there, without a single difference marked
    expect(text).toContain('Outcome of run cd56 (stage local): 60 orders and 1 malformed event');
    expect(text).toMatch(/FULFILLED\s+36\s+36/);
    expect(text).toMatch(/sku-kettle-limited\s+3\s+0\s+0\s+\(scarce\)/);
    expect(text).toMatch(/OrderFulfilled\s+36\s+36/);
    expect(text).not.toMatch(/OrderPlaced/);
    expect(text).toMatch(/ValidateOrderDlq\s+1\s+1/);
    expect(text).toContain('is in ValidateOrderDlq with its original body');
    expect(text).toContain('wall time 3m 20s: moto 1.2 s, synth 15.0 s, deploy 3.0 s');
    expect(text).not.toContain('<- differs');
    expect(text.split('\n').at(-1)).toMatch(/^PASS: /);
  });
});

describe('verdict', () => {
  it('fails listing the orders that did not end as built, at most 50, then the other problems', () => {
    // GIVEN 60 orders none of which was ever created, and a run cut short by the deadline
    const r = result(observation(new Map()), false);
    // WHEN the verdict is formatted
    const lines = verdict(r.outcome, r.settled);
    // THEN it names the count, lists 50 orders with expected and actual, counts the rest, and says why
    expect(lines[0]).toBe('FAIL: 60 orders did not reach the final state they were built for:');
    expect(lines[1]).toMatch(/^ {2}demo-cd56-001-ok {2}expected FULFILLED {2}actual no order item$/);
    expect(lines).toContain('  ... and 10 more');
    expect(lines.at(-1)).toContain('the deadline passed');
  });
});
