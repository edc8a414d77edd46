import { describe, expect, it } from '@jest/globals';
import { withMessage } from '../../../../test/support/with-message';
import {
  axisScale,
  CHART_HEIGHT,
  CHART_WIDTH,
  type ChartInput,
  escapeXml,
  floorRatio,
  formatValue,
  PLOT_BOTTOM,
  PLOT_TOP,
  renderChart,
} from '../../src/bench/chart';

const PIPELINE = {
  label: 'pipeline',
  throughputOrdersPerSec: 41.25,
  latencyMs: { p50: 812, p95: 1_540, p99: 2_310 },
};
const FLOOR = {
  label: 'floor',
  throughputOrdersPerSec: 66,
  latencyMs: { p50: 402.4, p95: 905, p99: 1_234 },
};
const INPUT: ChartInput = {
  title: '1,000 orders, 2026-11-26',
  subtitle: 'Node 20.20 on a 2-core x86_64 machine, moto 5.2.1',
  series: [PIPELINE, FLOOR],
};

/** Tags balance and nest, attributes are quoted, no bare `<` or `&` in text: enough XML for a browser. */
function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const [tag] of svg.matchAll(/<[^>]*>/g)) {
    withMessage(tag, () => expect(tag).toMatch(/^<\/?[a-z]+(\s+[A-Za-z][A-Za-z0-9-]*="[^"<]*")*\s*\/?>$/));
    const name = /^<\/?([a-z]+)/.exec(tag)?.[1] ?? '';
    if (tag.startsWith('</')) withMessage(tag, () => expect(stack.pop()).toBe(name));
    else if (!tag.endsWith('/>')) stack.push(name);
  }
  expect(stack).toEqual([]);
  const textOnly = svg.replace(/<[^>]*>/g, '');
  expect(textOnly).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
}

/** Bars with their value (data-value) and drawn height, by the tooltip's label. */
function bars(svg: string): { title: string; value: number; y: number; height: number }[] {
  return [
    ...svg.matchAll(
      /<rect [^>]*y="([\d.]+)" [^>]*height="([\d.]+)" [^>]*data-value="([^"]+)"><title>([^<]*)<\/title>/g,
    ),
  ].map(([, y, height, value, title]) => ({
    title: title ?? '',
    value: Number(value),
    y: Number(y),
    height: Number(height),
  }));
}

describe('renderChart', () => {
  it('GIVEN pipeline and floor WHEN rendered THEN it is a standalone, well-formed SVG of the chart size', () => {
    const svg = renderChart(INPUT);

    expectWellFormed(svg);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain(`width="${CHART_WIDTH}" height="${CHART_HEIGHT}"`);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('GIVEN a run WHEN rendered THEN title, subtitle, panel titles, series labels and percentiles are written', () => {
    const svg = renderChart(INPUT);

    for (const words of [
      '1,000 orders, 2026-11-26',
      'Node 20.20 on a 2-core x86_64 machine, moto 5.2.1',
      'End-to-end latency (ms)',
      'Throughput (orders/s)',
      '>pipeline<',
      '>floor<',
      '>p50<',
      '>p95<',
      '>p99<',
    ]) {
      expect(svg).toContain(words);
    }
  });

  it('GIVEN latencies and throughputs WHEN rendered THEN every bar is labelled with its formatted value', () => {
    const svg = renderChart(INPUT);

    for (const label of ['812', '1,540', '2,310', '402', '905', '1,234', '41.3', '66']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(bars(svg).map((b) => b.title)).toEqual([
      'pipeline: 812',
      'floor: 402',
      'pipeline: 1,540',
      'floor: 905',
      'pipeline: 2,310',
      'floor: 1,234',
      'pipeline: 41.3',
      'floor: 66',
    ]);
  });

  it('GIVEN values of one panel WHEN rendered THEN bar heights are proportional to the values and the largest spans most of the plot', () => {
    const all = bars(renderChart(INPUT));
    const latency = all.slice(0, 6);
    const throughput = all.slice(6);
    const plot = PLOT_BOTTOM - PLOT_TOP;

    for (const panel of [latency, throughput]) {
      const tallest = panel.reduce((a, b) => (b.value > a.value ? b : a));
      expect(tallest.height).toBeLessThanOrEqual(plot);
      expect(tallest.height).toBeGreaterThan(0.7 * plot);
      for (const b of panel) {
        expect(b.height / tallest.height).toBeCloseTo(b.value / tallest.value, 2);
        expect(b.y + b.height).toBeCloseTo(PLOT_BOTTOM, 1);
      }
    }
  });

  it('GIVEN pipeline and floor WHEN rendered THEN the throughput ratio of the pipeline to the floor is written', () => {
    const svg = renderChart(INPUT);

    expect(floorRatio(INPUT.series)).toBeCloseTo(41.25 / 66, 12);
    expect(svg).toContain('>pipeline / floor = 0.63 (63%)</text>');
  });

  it('GIVEN a title with markup characters WHEN rendered THEN they are escaped everywhere', () => {
    const svg = renderChart({
      title: 'p99 < 3 s & "fast" <script>',
      subtitle: "O'Brien's <laptop>",
      series: [{ ...PIPELINE, label: 'a<b' }],
    });

    expectWellFormed(svg);
    expect(svg).toContain('p99 &lt; 3 s &amp; &quot;fast&quot; &lt;script&gt;');
    expect(svg).toContain('O&apos;Brien&apos;s &lt;laptop&gt;');
    expect(svg).toContain('>a&lt;b<');
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('a<b');
  });

  it('GIVEN a single series WHEN rendered THEN it draws its bars and writes no ratio', () => {
    const svg = renderChart({ ...INPUT, series: [PIPELINE] });

    expectWellFormed(svg);
    expect(bars(svg)).toHaveLength(4);
    expect(svg).not.toContain(' / ');
    expect(floorRatio([PIPELINE])).toBeUndefined();
  });

  it('GIVEN no series WHEN rendered THEN both panels say there is no data', () => {
    const svg = renderChart({ ...INPUT, series: [] });

    expectWellFormed(svg);
    expect(bars(svg)).toEqual([]);
    expect(svg.match(/>no data</g)).toHaveLength(2);
  });

  it('GIVEN zero, missing and negative values WHEN rendered THEN zero draws an empty bar, the others "n/a", and nothing breaks', () => {
    const svg = renderChart({
      ...INPUT,
      series: [
        { label: 'pipeline', throughputOrdersPerSec: 0, latencyMs: { p50: 0, p95: Number.NaN, p99: -1 } },
        { label: 'floor', throughputOrdersPerSec: 0, latencyMs: { p50: 0, p95: 0, p99: 0 } },
      ],
    });

    expectWellFormed(svg);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(bars(svg).every((b) => b.height === 0)).toBe(true);
    expect(svg.match(/>n\/a</g)).toHaveLength(2);
    expect(svg).not.toContain(' / ');
  });
});

describe('axisScale', () => {
  it.each([
    [0, 1, 0.2],
    [1, 1, 0.2],
    [66, 80, 20],
    [100, 100, 20],
    [1_234, 1_250, 250],
    [2_310, 2_500, 500],
    [0.3, 0.3, 0.1],
  ])('GIVEN a largest value of %s THEN the axis ends at %s in steps of %s', (largest, max, step) => {
    const scale = axisScale(largest);
    expect(scale.max).toBeCloseTo(max, 9);
    expect(scale.step).toBeCloseTo(step, 9);
  });
});

describe('formatValue', () => {
  it.each([
    [0, '0'],
    [0.25, '0.25'],
    [4.2, '4.2'],
    [12, '12'],
    [41.25, '41.3'],
    [987.4, '987'],
    [1_234_567, '1,234,567'],
    [Number.NaN, 'n/a'],
    [-3, 'n/a'],
  ])('formats %s as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters, ampersands first', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
  });
});
