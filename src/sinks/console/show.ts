import type { Row } from '../../engine/operator.js';

/** Formats one cell as Spark's `show` does: null as `null`, doubles with a decimal point, Dates as timestamps. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(v);
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * Renders rows as Spark's `Dataset.show(n, truncate)` does: a boxed table, cells right-aligned and
 * cut to 20 characters (17 + "...") when `truncate`, and `only showing top N rows` when there are more.
 */
export function showTable(rows: readonly Row[], columns: readonly string[], n = 20, truncate = true): string {
  const shown = rows.slice(0, n);
  const cut = (s: string) => (truncate && s.length > 20 ? `${s.slice(0, 17)}...` : s);
  const cells = shown.map((r) => columns.map((c) => cut(formatCell(r[c]))));
  const widths = columns.map((c, i) => Math.max(3, cut(c).length, ...cells.map((row) => row[i]!.length)));
  const sep = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`;
  const line = (vals: string[]) => `|${vals.map((v, i) => v.padStart(widths[i]!)).join('|')}|`;
  const out = [sep, line(columns.map(cut)), sep, ...cells.map(line), sep];
  if (rows.length > n) out.push(`only showing top ${n} row${n === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}
