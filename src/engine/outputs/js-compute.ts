import type { Column, ColumnBatch, Field } from '../../core/batch.js';

/**
 * Computed output columns evaluated in JS, for the expressions whose DuckDB result is known
 * exactly; so an output such as `SELECT strftime(ts, '%Y-%m-%dT%H:%M') AS bucket, type FROM events`
 * (seed 004's per-minute buckets) sends nothing to DuckDB. Today: `strftime(<timestamp column>,
 * '<constant>')` with %Y %m %d %H %M %S %y %j %% and literal text. Anything else returns
 * undefined from {@link compileComputed}, and the output runs in DuckDB as before.
 */

/** DuckDB's serialized parse tree. */
type Node = Record<string, unknown>;

export interface JsComputed {
  readonly field: Field;
  /** Fields the expression reads. */
  readonly reads: readonly string[];
  /** The value at each physical row of `batch` named by `rows` (presented rows); other rows are null. */
  run(batch: ColumnBatch, rows: Int32Array): Column;
}

const SPECIFIERS = new Set(['Y', 'm', 'd', 'H', 'M', 'S', 'y', 'j', '%']);

/** Compiles one select-list item over `fields` (column references bare or qualified by `alias`), or undefined. */
export function compileComputed(item: Node, fields: readonly Field[], alias: string): JsComputed | undefined {
  if (item.class !== 'FUNCTION' || String(item.function_name).toLowerCase() !== 'strftime' || item.schema !== '' || item.distinct || item.filter || ((item.order_bys as Node | undefined)?.orders as unknown[] | undefined)?.length) return undefined;
  const args = item.children as Node[];
  if (args.length !== 2) return undefined;
  const [ref, fmt] = args as [Node, Node];
  if (ref.class !== 'COLUMN_REF' || fmt.class !== 'CONSTANT') return undefined;
  const names = ref.column_names as string[];
  if (names.length > 2 || (names.length === 2 && names[0]!.toLowerCase() !== alias.toLowerCase())) return undefined;
  const field = fields.find((f) => f.name.toLowerCase() === names[names.length - 1]!.toLowerCase());
  const value = fmt.value as { type?: { id?: string }; is_null?: boolean; value?: unknown } | undefined;
  if (!field || field.type !== 'timestamp' || value?.type?.id !== 'VARCHAR' || value.is_null || typeof value.value !== 'string') return undefined;
  const format = value.value;
  const parts = parseFormat(format);
  if (!parts) return undefined;
  const format1 = formatter(parts);
  const unit = smallestUnit(parts);
  return {
    field: { name: String(item.alias || ''), type: 'string' },
    reads: [field.name],
    run(batch, rows) {
      const col = batch.columns[batch.fieldIndex(field.name)]!;
      const values = col.values as Float64Array;
      const valid = col.valid;
      const sel = batch.selection;
      const out: (string | null)[] = new Array<string | null>(batch.size).fill(null);
      // Consecutive rows mostly fall in the same minute (or hour, day): one string for all of them.
      let lastKey = Number.NaN;
      let last = '';
      for (let i = 0; i < rows.length; i++) {
        const p = sel ? sel[rows[i]!]! : rows[i]!;
        if (valid && valid[p] === 0) continue;
        // The views hand DuckDB epoch_ms(CAST(ms AS BIGINT)): the nearest integer, halves to even.
        const raw = values[p]!;
        const ms = Math.abs(raw % 1) === 0.5 ? 2 * Math.round(raw / 2) : Math.round(raw);
        const key = Math.floor(ms / unit);
        if (key !== lastKey) {
          lastKey = key;
          last = format1(ms);
        }
        out[p] = last;
      }
      return { values: out };
    },
  };
}

type Part = string | { spec: string };

function parseFormat(format: string): Part[] | undefined {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      text += ch;
      continue;
    }
    const spec = format[++i];
    if (spec === undefined || !SPECIFIERS.has(spec)) return undefined;
    if (spec === '%') {
      text += '%';
      continue;
    }
    if (text) parts.push(text);
    text = '';
    parts.push({ spec });
  }
  if (text) parts.push(text);
  return parts;
}

/** Milliseconds within which every specifier of the format keeps its value. */
function smallestUnit(parts: readonly Part[]): number {
  const specs = new Set(parts.filter((p): p is { spec: string } => typeof p !== 'string').map((p) => p.spec));
  return specs.has('S') ? 1000 : specs.has('M') ? 60_000 : specs.has('H') ? 3_600_000 : 86_400_000;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function formatter(parts: readonly Part[]): (ms: number) => string {
  return (ms) => {
    const d = new Date(ms);
    let s = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        s += p;
        continue;
      }
      switch (p.spec) {
        case 'Y': {
          const y = d.getUTCFullYear();
          s += y < 0 ? String(y) : y < 10_000 ? String(y).padStart(4, '0') : String(y);
          break;
        }
        case 'y':
          s += pad2(((d.getUTCFullYear() % 100) + 100) % 100);
          break;
        case 'm':
          s += pad2(d.getUTCMonth() + 1);
          break;
        case 'd':
          s += pad2(d.getUTCDate());
          break;
        case 'H':
          s += pad2(d.getUTCHours());
          break;
        case 'M':
          s += pad2(d.getUTCMinutes());
          break;
        case 'S':
          s += pad2(d.getUTCSeconds());
          break;
        case 'j': {
          // Not Date.UTC(year, 0, 1): it reads years 0-99 as 1900-1999.
          const start = new Date(ms);
          start.setUTCMonth(0, 1);
          start.setUTCHours(0, 0, 0, 0);
          const day = Math.floor((ms - start.getTime()) / 86_400_000) + 1;
          s += String(day).padStart(3, '0');
          break;
        }
      }
    }
    return s;
  };
}
