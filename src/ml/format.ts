/**
 * Spark's text output: Java's `Double.toString`, `Dataset.show` boxed tables and `printSchema`.
 */

/**
 * Java's `Double.toString`: plain decimal with at least one fractional digit for
 * 1e-3 <= |d| < 1e7, otherwise computerised scientific notation (`5.684341886080801E-14`).
 * Digits are the shortest that round-trip, as JDK 19+ prints them (and JS too).
 */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = d.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

/** The column types a DataFrame holds, named as Spark's `printSchema` names them. */
export type DataType = 'integer' | 'long' | 'double' | 'string' | 'boolean' | 'vector';

export interface Field {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

/** Spark's `printSchema()` text, ending with a newline. */
export function schemaTreeString(fields: readonly Field[]): string {
  let s = 'root\n';
  for (const f of fields) s += ` |-- ${f.name}: ${f.type} (nullable = ${String(f.nullable)})\n`;
  return s;
}

/** How Spark renders one cell of `show()`. */
export function formatCell(value: unknown, type: DataType): string {
  if (value === null || value === undefined) return 'null';
  switch (type) {
    case 'double':
      return javaDoubleToString(Number(value));
    case 'vector':
      return `[${(value as readonly number[]).map(javaDoubleToString).join(',')}]`;
    default:
      return String(value);
  }
}

/**
 * Spark's `Dataset.showString(numRows, truncate)`: cells longer than `truncate` characters are cut
 * to `truncate - 3` characters plus `...`; with truncation on, cells are right-aligned; each column
 * is at least 3 wide; `only showing top N rows` follows when rows were left out.
 */
export function showString(
  fields: readonly Field[],
  rows: readonly (readonly unknown[])[],
  numRows: number,
  hasMore: boolean,
  truncate = 20,
): string {
  const cut = (s: string): string => {
    if (truncate <= 0 || s.length <= truncate) return s;
    return truncate < 4 ? s.slice(0, truncate) : `${s.slice(0, truncate - 3)}...`;
  };
  const header = fields.map((f) => cut(f.name));
  const body = rows.map((r) => r.map((v, i) => cut(formatCell(v, fields[i]!.type))));
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((r) => r[i]!.length)));
  const pad = (s: string, w: number): string => (truncate > 0 ? s.padStart(w) : s.padEnd(w));
  const sep = `+${widths.map((w) => '-'.repeat(w)).join('+')}+\n`;
  let out = sep;
  out += `|${header.map((h, i) => pad(h, widths[i]!)).join('|')}|\n`;
  out += sep;
  for (const r of body) out += `|${r.map((c, i) => pad(c, widths[i]!)).join('|')}|\n`;
  out += sep;
  if (hasMore) out += `only showing top ${numRows} ${numRows === 1 ? 'row' : 'rows'}\n`;
  return out;
}
