/** Small text helpers shared by the progress line and the report. */

/** 850 ms, 12.3 s, 2m 35s */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/**
 * Aligned columns: the first left-aligned, the others right-aligned (numbers), two spaces apart, each
 * line indented by `indent`. A row may carry a trailing note (not aligned).
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  indent = '  ',
): string[] {
  const cells = [header, ...rows].map((r) => r.map(String));
  const columns = header.length;
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(...cells.map((r) => (r[c] ?? '').length)),
  );
  return cells.map((r) => {
    const aligned = widths.map((w, c) => (c === 0 ? (r[c] ?? '').padEnd(w) : (r[c] ?? '').padStart(w)));
    const note = r.slice(columns).join(' ');
    return `${indent}${aligned.join('  ')}${note ? `  ${note}` : ''}`.trimEnd();
  });
}
