/**
 * The benchmark's chart as a standalone SVG string, without dependencies: left, end-to-end latency
 * p50 / p95 / p99 grouped by series; right, throughput per series with the ratio of the first two
 * written out. By convention series[0] is the measured pipeline and series[1] the floor (the same run
 * with handlers that do no business work), so the ratio says how much of the floor's throughput the
 * pipeline keeps. Any number of series renders, none included; a value that is not a finite number
 * >= 0 is shown as "n/a" without a bar.
 */

export interface ChartSeries {
  readonly label: string;
  readonly throughputOrdersPerSec: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
}

export interface ChartInput {
  /** e.g. "1,000 orders, 2026-11-26". */
  readonly title: string;
  /** e.g. the machine: "Node 20.20, 2-core x86_64, moto 5.2.1". */
  readonly subtitle: string;
  readonly series: readonly ChartSeries[];
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 420;

/** Top and bottom of both plot areas: the bar of the axis maximum spans PLOT_BOTTOM - PLOT_TOP. */
export const PLOT_TOP = 118;
export const PLOT_BOTTOM = 352;

const LATENCY_PANEL = { left: 72, right: 470 } as const;
const THROUGHPUT_PANEL = { left: 566, right: 776 } as const;
const PERCENTILES = ['p50', 'p95', 'p99'] as const;
/** Blue for the pipeline, grey for the floor, then distinct hues (readable in greyscale by order). */
const PALETTE = ['#2563eb', '#9ca3af', '#f59e0b', '#10b981', '#dc2626', '#7c3aed'] as const;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MAX_TICKS = 5;

export function renderChart(input: ChartInput): string {
  const series = input.series;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" ` +
      `viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" font-family="${FONT}">`,
    `<title>${escapeXml(`${input.title} (${input.subtitle})`)}</title>`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    text(24, 32, input.title, { size: 18, weight: 'bold' }),
    text(24, 54, input.subtitle, { size: 12, fill: '#4b5563' }),
    ...latencyPanel(series),
    ...throughputPanel(series),
    ...legend(series),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

/** Throughput of series[0] over series[1]: undefined without two finite, positive throughputs. */
export function floorRatio(series: readonly ChartSeries[]): number | undefined {
  const [pipeline, floor] = series;
  if (
    !pipeline ||
    !floor ||
    !isValue(pipeline.throughputOrdersPerSec) ||
    !isValue(floor.throughputOrdersPerSec)
  ) {
    return undefined;
  }
  return floor.throughputOrdersPerSec > 0
    ? pipeline.throughputOrdersPerSec / floor.throughputOrdersPerSec
    : undefined;
}

/** 0.25, 4.2, 12.5, 987, 1,234: one decimal below 100, two below 1, thousands grouped. */
export function formatValue(value: number): string {
  if (!isValue(value)) return 'n/a';
  if (value === 0) return '0';
  const decimals = value < 1 ? 2 : value < 100 ? 1 : 0;
  const [whole = '0', fraction] = value.toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const trimmed = fraction?.replace(/0+$/, '');
  return trimmed ? `${grouped}.${trimmed}` : grouped;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * The value axis: a round tick step (1, 2, 2.5 or 5 x 10^k, at least a fifth of the largest value, so
 * at most 5 ticks) and the first multiple of it >= the largest value. The step is under 2/5 of the
 * largest value, so the tallest bar spans more than 70% of the plot.
 */
export function axisScale(maxValue: number): { readonly max: number; readonly step: number } {
  if (!isValue(maxValue) || maxValue === 0) return { max: 1, step: 0.2 };
  const rough = maxValue / MAX_TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  return { max: Math.ceil(maxValue / step - 1e-9) * step, step };
}

function latencyPanel(series: readonly ChartSeries[]): string[] {
  const { left, right } = LATENCY_PANEL;
  const values = series.flatMap((s) => PERCENTILES.map((p) => s.latencyMs[p]));
  const scale = axisScale(Math.max(0, ...values.filter(isValue)));
  const { max } = scale;
  const out = [
    text(left, 96, 'End-to-end latency (ms)', { size: 14, weight: 'bold' }),
    ...axis(left, right, scale),
  ];
  const groupWidth = (right - left) / PERCENTILES.length;
  PERCENTILES.forEach((percentile, g) => {
    const groupLeft = left + g * groupWidth;
    out.push(text(groupLeft + groupWidth / 2, PLOT_BOTTOM + 18, percentile, { size: 12, anchor: 'middle' }));
    if (series.length === 0) return;
    const barWidth = Math.min(40, (groupWidth * 0.75) / series.length);
    const barsLeft = groupLeft + (groupWidth - barWidth * series.length) / 2;
    series.forEach((s, i) => {
      out.push(...bar(barsLeft + i * barWidth, barWidth, s.latencyMs[percentile], max, colour(i), s.label));
    });
  });
  if (series.length === 0) out.push(noData(left, right));
  return out;
}

function throughputPanel(series: readonly ChartSeries[]): string[] {
  const { left, right } = THROUGHPUT_PANEL;
  const values = series.map((s) => s.throughputOrdersPerSec);
  const scale = axisScale(Math.max(0, ...values.filter(isValue)));
  const { max } = scale;
  const out = [
    text(left, 96, 'Throughput (orders/s)', { size: 14, weight: 'bold' }),
    ...axis(left, right, scale),
  ];
  if (series.length === 0) {
    out.push(noData(left, right));
    return out;
  }
  const slot = (right - left) / series.length;
  const barWidth = Math.min(56, slot * 0.6);
  series.forEach((s, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    out.push(...bar(x, barWidth, s.throughputOrdersPerSec, max, colour(i), s.label));
    out.push(text(x + barWidth / 2, PLOT_BOTTOM + 18, s.label, { size: 12, anchor: 'middle' }));
  });
  const ratio = floorRatio(series);
  const [pipeline, floor] = series;
  if (ratio !== undefined && pipeline && floor) {
    out.push(
      text(
        (left + right) / 2,
        PLOT_BOTTOM + 46,
        `${pipeline.label} / ${floor.label} = ${ratio.toFixed(2)} (${Math.round(ratio * 100)}%)`,
        { size: 13, weight: 'bold', anchor: 'middle' },
      ),
    );
  }
  return out;
}

function axis(left: number, right: number, scale: { readonly max: number; readonly step: number }): string[] {
  const out: string[] = [];
  const ticks = Math.round(scale.max / scale.step);
  for (let t = 0; t <= ticks; t++) {
    const value = t * scale.step;
    const y = yOf(value, scale.max);
    out.push(
      `<line x1="${n(left)}" y1="${n(y)}" x2="${n(right)}" y2="${n(y)}" stroke="${t === 0 ? '#374151' : '#e5e7eb'}" stroke-width="1"/>`,
      text(left - 6, y + 4, formatValue(value), { size: 11, anchor: 'end', fill: '#6b7280' }),
    );
  }
  return out;
}

function bar(x: number, width: number, value: number, max: number, fill: string, label: string): string[] {
  const centre = x + width / 2;
  if (!isValue(value)) {
    return [text(centre, PLOT_BOTTOM - 4, 'n/a', { size: 10, anchor: 'middle', fill: '#6b7280' })];
  }
  const top = yOf(value, max);
  return [
    `<rect x="${n(x + 1)}" y="${n(top)}" width="${n(width - 2)}" height="${n(PLOT_BOTTOM - top)}" ` +
      `fill="${fill}" data-value="${value}"><title>${escapeXml(`${label}: ${formatValue(value)}`)}</title></rect>`,
    text(centre, top - 4, formatValue(value), { size: 11, anchor: 'middle' }),
  ];
}

function legend(series: readonly ChartSeries[]): string[] {
  const out: string[] = [];
  let x = LATENCY_PANEL.left;
  const y = CHART_HEIGHT - 22;
  series.forEach((s, i) => {
    out.push(`<rect x="${n(x)}" y="${n(y - 10)}" width="12" height="12" fill="${colour(i)}"/>`);
    out.push(text(x + 18, y, s.label, { size: 12 }));
    // Proportional fonts average about 0.6 em per character at this size.
    x += 18 + s.label.length * 7 + 24;
  });
  return out;
}

function noData(left: number, right: number): string {
  return text((left + right) / 2, (PLOT_TOP + PLOT_BOTTOM) / 2, 'no data', {
    size: 13,
    anchor: 'middle',
    fill: '#6b7280',
  });
}

interface TextStyle {
  readonly size: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: 'bold';
  readonly fill?: string;
}

function text(x: number, y: number, content: string, style: TextStyle): string {
  const attributes = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    `font-size="${style.size}"`,
    style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
    style.weight ? `font-weight="${style.weight}"` : '',
    `fill="${style.fill ?? '#111827'}"`,
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function yOf(value: number, max: number): number {
  return PLOT_BOTTOM - (value / max) * (PLOT_BOTTOM - PLOT_TOP);
}

function colour(index: number): string {
  return PALETTE[index % PALETTE.length] ?? PALETTE[0];
}

function isValue(value: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Coordinates to 0.1 px: exact enough to draw, short enough to read. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}
