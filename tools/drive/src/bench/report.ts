import type { ChartInput } from './chart';
import { roundUsd } from './cost';
import type { PhaseCpu } from './cpu';
import type { BenchResult, LightLoadFigures, PhaseFigures } from './result';

/** The benchmark's result as text: the terminal summary and the Markdown block of the README. */

const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x).toLocaleString('en-US')} ms` : 'n/a');
const s = (x: number) => `${(x / 1000).toFixed(1)} s`;

function phaseLine(label: string, p: PhaseFigures): string {
  return (
    `${label.padEnd(9)} ${String(p.orders).padStart(6)} orders in ${s(p.wallMs).padStart(8)}: ` +
    `${n2(p.throughputOrdersPerSec).padStart(7)} orders/s · latency p50 ${ms(p.latencyMs.p50)}, p95 ${ms(p.latencyMs.p95)}, ` +
    `p99 ${ms(p.latencyMs.p99)} · ${n1(p.apiCallsPerOrder.total)} calls/order · ${p.invocations} invocations ` +
    `(${n1(p.meanBatchSize)} records each)`
  );
}

function latencies(l: PhaseFigures['latencyMs']): string {
  return `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`;
}

function lightLine(l: LightLoadFigures): string {
  return (
    `${'light'.padEnd(9)} ${String(l.orders).padStart(6)} orders, one every ${s(l.intervalMs)}: latency p50 ${ms(l.latencyMs.p50)}, ` +
    `p95 ${ms(l.latencyMs.p95)}, p99 ${ms(l.latencyMs.p99)} · ${n1(l.apiCallsPerOrder.total)} calls/order · ` +
    `${l.invocations} invocations (${n1(l.meanBatchSize)} records each)`
  );
}

const cores = (x: number | undefined) => (x === undefined ? 'n/a' : `${n2(x)} cores`);

/** Mean busy cores over the loaded span, then CPU seconds over the whole phase. */
export function cpuLine(label: string, cpu: PhaseCpu): string {
  const { loaded, wholePhase: w } = cpu;
  const saturated =
    cpu.emulatorSaturatedShare === null
      ? ''
      : ` (0.9+ in ${Math.round(cpu.emulatorSaturatedShare * 100)} % of seconds)`;
  const load = loaded
    ? `loaded ${n1(loaded.seconds)} s: emulator ${cores(loaded.emulator?.busyCores)}${saturated}, this process ` +
      `${cores(loaded.driver.busyCores)}, machine ${cores(loaded.machine?.busyCores)} of ${loaded.cores}`
    : 'no loaded span';
  const cpuS = (x: number | undefined) => (x === undefined ? 'n/a' : `${n1(x)} s`);
  return (
    `cpu ${label.padEnd(9)} ${load} · whole phase ${n1(w.seconds)} s: emulator ${cpuS(w.emulator?.cpuSeconds)}, ` +
    `execution environments ${cpuS(w.executionEnvironments?.cpuSeconds)}, this process ${cpuS(w.driver.cpuSeconds)} CPU`
  );
}

export function formatSummary(r: BenchResult): string[] {
  const lines = ['', `Benchmark of ${r.orders} orders (${r.machine})`, phaseLine('pipeline', r.pipeline)];
  if (r.lightLoad) lines.push(lightLine(r.lightLoad));
  if (r.floor)
    lines.push(
      phaseLine('floor', r.floor),
      `floorRatio ${n2(r.floorRatio ?? Number.NaN)} (pipeline throughput / floor throughput)`,
    );
  for (const [label, phase] of [
    ['pipeline', r.pipeline],
    ['floor', r.floor],
  ] as const) {
    if (phase?.cpu) lines.push(cpuLine(label, phase.cpu));
  }
  if (r.scaling) {
    lines.push(
      `scaling   ${r.scaling.orders} orders took ${n2(r.scaling.ratio)} x the wall time of ${r.scaling.baseOrders} (${s(r.scaling.wallMs)} / ${s(r.scaling.baseWallMs)})`,
    );
  }
  lines.push(
    `functions: ${r.functions
      .map(
        (f) =>
          `${f.name} ${f.invocations} x ${n1(f.recordsPerInvocation)} records, ${n1(f.meanDurationMs)} ms${f.failedRecords > 0 ? `, ${f.failedRecords} records retried` : ''}`,
      )
      .join('; ')}`,
  );
  lines.push('', 'AWS calls per order (happy path / failures / minimum a hop needs):');
  const ops = new Set([
    ...Object.keys(r.apiCallsPerOrder.happyPath.byOperation),
    ...Object.keys(r.apiCallsPerOrder.failures.byOperation),
    ...Object.keys(r.minimumCallsPerOrder.byOperation),
  ]);
  for (const op of [...ops].sort()) {
    lines.push(
      `  ${op.padEnd(32)} ${n2(r.apiCallsPerOrder.happyPath.byOperation[op] ?? 0).padStart(7)} ${n2(r.apiCallsPerOrder.failures.byOperation[op] ?? 0).padStart(7)} ${n2(r.minimumCallsPerOrder.byOperation[op] ?? 0).padStart(7)}`,
    );
  }
  lines.push(
    `  ${'total'.padEnd(32)} ${n2(r.apiCallsPerOrder.happyPath.total).padStart(7)} ${n2(r.apiCallsPerOrder.failures.total).padStart(7)} ${n2(r.minimumCallsPerOrder.total).padStart(7)}`,
  );
  if (r.dynamoDbUnitsPerOrder) lines.push(`DynamoDB per order: ${unitsPerOrder(r.dynamoDbUnitsPerOrder)}`);
  lines.push(
    `HTTP API: ${n1(r.httpApiRequestsPerOrder)} requests per order (POST /orders, then GET /orders/{orderId} until final)`,
  );
  const c = r.costPer1MOrdersUsd;
  lines.push(
    '',
    `cost per 1M orders: ${roundUsd(c.total)} USD (${servicesList(c.byService)}) + ${roundUsd(c.fixedMonthlyUsd)} USD/month fixed; prices of ${c.priceTable.asOf} (${c.priceTable.file})`,
    observationLine(c.observation),
    ...(c.behindTheBus === null ? [] : [behindTheBusLine(c.behindTheBus)]),
    ...(c.atLightLoadDurations === null ? [] : [lightLoadDurationsLine(c.atLightLoadDurations)]),
  );
  if (r.faults) {
    const f = r.faults;
    lines.push(
      '',
      `faults: rate ${f.faultRate}, ${f.injected} injected crashes · lost ${f.lost} · duplicated ${f.duplicated} ` +
        `(${f.duplicates.repeatedTransitions} transitions, ${f.duplicates.stockOverReserved} stock units, ${f.duplicates.analyticsOverCounted} analytics counts) · ` +
        `wrong state ${f.wrongState} · dead-lettered orders ${f.deadLettered} · poison ${f.poisonInDlq}/${f.poisonSent} in the DLQ`,
    );
  }
  lines.push(
    '',
    r.outcomePassed ? 'every order ended as built' : `NOT as built: ${r.problems.slice(0, 5).join('; ')}`,
  );
  return lines;
}

/** The README's "latest figures" block. */
export function markdownFigures(r: BenchResult): string {
  const rows = [
    [
      'throughput',
      `${n2(r.throughputOrdersPerSec)} orders/s`,
      r.floor ? `${n2(r.floor.throughputOrdersPerSec)} orders/s` : '-',
    ],
    [
      'latency p50 / p95 / p99',
      `${ms(r.latencyMs.p50)} / ${ms(r.latencyMs.p95)} / ${ms(r.latencyMs.p99)}`,
      r.floor
        ? `${ms(r.floor.latencyMs.p50)} / ${ms(r.floor.latencyMs.p95)} / ${ms(r.floor.latencyMs.p99)}`
        : '-',
    ],
    ...(r.lightLoad
      ? [
          [
            `latency at light load (${r.lightLoad.orders} orders, one every ${s(r.lightLoad.intervalMs)})`,
            latencies(r.lightLoad.latencyMs),
            '-',
          ],
        ]
      : []),
    [
      'AWS calls per order',
      `${n1(r.apiCallsPerOrder.total)} (happy path ${n1(r.apiCallsPerOrder.happyPath.total)}, failures ${n1(r.apiCallsPerOrder.failures.total)})`,
      r.floor ? n1(r.floor.apiCallsPerOrder.total) : '-',
    ],
  ];
  const lines = [
    `Measured ${r.date.slice(0, 10)} with \`${r.command}\` on ${r.machine}.`,
    '',
    '| | pipeline | floor |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `- floorRatio ${n2(r.floorRatio ?? Number.NaN)}; minimum calls per happy order ${n1(r.minimumCallsPerOrder.total)} (${r.minimumCallsPerOrder.hops} hops).`,
  ];
  lines.push(
    `- Orders placed with \`POST /orders\` and followed with \`GET /orders/{orderId}\`: ${n1(r.httpApiRequestsPerOrder)} HTTP API requests per order; latency from the client's POST to the final state.`,
  );
  if (r.dynamoDbUnitsPerOrder) lines.push(`- DynamoDB per order: ${unitsPerOrder(r.dynamoDbUnitsPerOrder)}.`);
  const c = r.costPer1MOrdersUsd;
  lines.push(
    `- Cost per 1M orders: **${roundUsd(c.total)} USD** (${servicesList(c.byService)}), plus ${roundUsd(c.fixedMonthlyUsd)} USD per month fixed; list prices of ${c.priceTable.asOf}, ${c.priceTable.region}.`,
    `- ${observationLine(c.observation)}.`,
    ...(c.behindTheBus === null ? [] : [`- ${behindTheBusLine(c.behindTheBus)}.`]),
    ...(c.atLightLoadDurations === null ? [] : [`- ${lightLoadDurationsLine(c.atLightLoadDurations)}.`]),
  );
  if (r.scaling)
    lines.push(
      `- Scaling: ${r.scaling.orders} orders took ${n2(r.scaling.ratio)} x the wall time of ${r.scaling.baseOrders}.`,
    );
  if (r.faults) {
    const f = r.faults;
    lines.push(
      `- Faults (rate ${f.faultRate}, poison ${f.poisonRate}): ${f.injected} injected crashes, lost ${f.lost}, duplicated ${f.duplicated}, poison ${f.poisonInDlq}/${f.poisonSent} in the DLQ.`,
    );
  }
  return lines.join('\n');
}

export function chartInput(r: BenchResult): ChartInput {
  const series = [
    { label: 'pipeline', throughputOrdersPerSec: r.throughputOrdersPerSec, latencyMs: r.latencyMs },
  ];
  if (r.floor)
    series.push({
      label: 'floor',
      throughputOrdersPerSec: r.floor.throughputOrdersPerSec,
      latencyMs: r.floor.latencyMs,
    });
  return {
    title: `Order pipeline on moto: ${r.orders} orders${r.faults ? ` (fault rate ${r.faults.faultRate}, poison ${r.faults.poisonRate})` : ''}`,
    subtitle: `${r.date.slice(0, 10)} · ${r.machine}`,
    series,
  };
}

/** `14.2 write units (analytics 4.1, inventory 3.0, orders 7.1), 0.4 read units`: where the write units go. */
export function unitsPerOrder(units: NonNullable<BenchResult['dynamoDbUnitsPerOrder']>): string {
  const tables = Object.entries(units.byTable)
    .map(([table, u]) => `${table} ${n1(u.write)}`)
    .join(', ');
  return `${n1(units.write)} write units${tables ? ` (${tables})` : ''}, ${n1(units.read)} read units`;
}

/** Replaces what is between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a document. */
export function replaceBlock(document: string, name: string, content: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`no ${begin} ... ${end} block in the document`);
  return `${document.slice(0, from + begin.length)}\n${content}\n${document.slice(to)}`;
}

/** "Service usd, ..." for the services that cost anything. */
function servicesList(byService: Readonly<Record<string, number>>): string {
  return Object.entries(byService)
    .filter(([, usd]) => usd > 0)
    .map(([service, usd]) => `${service} ${roundUsd(usd)}`)
    .join(', ');
}

/** The same orders without the HTTP API and its functions (bench/cost-scope.ts). */
function behindTheBusLine(b: NonNullable<BenchResult['costPer1MOrdersUsd']['behindTheBus']>): string {
  return `Behind the bus (the same orders without the HTTP API, its functions and their table units, the order's write kept): ${roundUsd(b.total)} USD per 1M orders (${servicesList(b.byService)})`;
}

/** The cost with Lambda time at the light-load phase's durations (bench/cost-durations.ts). */
function lightLoadDurationsLine(
  d: NonNullable<BenchResult['costPer1MOrdersUsd']['atLightLoadDurations']>,
): string {
  const behind = d.behindTheBus === null ? '' : `; behind the bus ${roundUsd(d.behindTheBus)} USD`;
  return `At the light-load phase's Lambda durations (the emulator not queueing calls; counts unchanged): ${roundUsd(d.total)} USD per 1M orders, Lambda ${roundUsd(d.lambda)}${behind}`;
}

/** The benchmark's polling, priced apart from the orders (bench/cost-observation.ts). */
function observationLine(o: BenchResult['costPer1MOrdersUsd']['observation']): string {
  return `Not in the cost per order: the benchmark's ${n1(o.extraReadsPerOrder)} extra GET /orders/{orderId} per order (polling until final; a client is counted one), ${roundUsd(o.usd)} USD per 1M orders`;
}
