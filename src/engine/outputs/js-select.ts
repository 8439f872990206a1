import type { ColumnBatch, Field } from '../../core/batch.js';

/**
 * Filters and orders a batch in JS, without a trip into DuckDB, for the outputs whose WHERE and
 * ORDER BY use only what can be evaluated here with DuckDB's exact semantics:
 *
 * - WHERE: AND / OR / NOT (three-valued), `IS [NOT] NULL` on a column, a boolean column alone,
 *   and comparisons (`= <> < <= > >=`) of a column with a column of the same kind or with a
 *   constant: numbers with numeric constants (INTEGER, BIGINT, DOUBLE, small DECIMALs), strings
 *   with string constants (byte order, as DuckDB's default collation), booleans with booleans.
 *   A NULL on either side is unknown; a double NaN equals NaN and is above every number.
 * - ORDER BY: columns, ASC/DESC, NULLS FIRST/LAST (default: ascending, NULLS LAST, as DuckDB).
 *   Ties keep the batch's order (SQL leaves their order open; DuckDB's own is arbitrary).
 *
 * Anything else (functions, casts, timestamps against constants, IN, LIKE, ...) returns undefined
 * from {@link compileSelect}, and the output runs in DuckDB as before.
 */

/** DuckDB's serialized parse tree. */
type Node = Record<string, unknown>;

/** 0 false, 1 true, 2 unknown (NULL). */
type Tri = 0 | 1 | 2;
/** Evaluates the WHERE clause at a physical row index. */
type Predicate = (p: number) => Tri;
type Kind = 'number' | 'string' | 'boolean' | 'timestamp';

interface SortKey {
  field: string;
  desc: boolean;
  nullsFirst: boolean;
}

export interface JsSelect {
  /** Fields the WHERE and ORDER BY read. */
  readonly reads: ReadonlySet<string>;
  /**
   * The presented rows of `batch` (indices into its presented rows) that pass the WHERE, in
   * ORDER BY order, at most `limit` of them.
   */
  run(batch: ColumnBatch, limit?: number): Int32Array;
}

type Compiled = (b: ColumnBatch) => Predicate;

const kindOf = (f: Field): Kind => (f.type === 'string' ? 'string' : f.type === 'boolean' ? 'boolean' : f.type === 'timestamp' ? 'timestamp' : 'number');

/**
 * Compiles a SELECT node's WHERE and ORDER BY for `fields` (column references resolve to them,
 * case-insensitively, bare or qualified by `alias`). `outputs` are the query's output columns:
 * an ORDER BY name that is also an output alias of another field binds to the alias in DuckDB,
 * so it is refused here.
 */
export function compileSelect(
  node: Node,
  fields: readonly Field[],
  alias: string,
  outputs: readonly { name: string; field: string }[],
): JsSelect | undefined {
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const reads = new Set<string>();
  const column = (n: unknown): Field | undefined => {
    const x = n as Node;
    if (x?.class !== 'COLUMN_REF') return undefined;
    const names = x.column_names as string[];
    if (names.length > 2 || (names.length === 2 && names[0]!.toLowerCase() !== alias.toLowerCase())) return undefined;
    const f = byName.get(names[names.length - 1]!.toLowerCase());
    if (f) reads.add(f.name);
    return f;
  };
  const where = node.where_clause ? predicate(node.where_clause as Node, column) : undefined;
  if (node.where_clause && !where) return undefined;
  const modifiers = (node.modifiers as Node[] | undefined) ?? [];
  const order = modifiers.find((m) => m.type === 'ORDER_MODIFIER');
  const keys: SortKey[] = [];
  for (const o of (order?.orders as Node[] | undefined) ?? []) {
    const f = column(o.expression);
    if (!f) return undefined;
    const ref = (o.expression as Node).column_names as string[];
    if (ref.length === 1 && outputs.some((c) => c.name.toLowerCase() === ref[0]!.toLowerCase() && c.field !== f.name)) return undefined;
    const type = String(o.type);
    const nulls = String(o.null_order);
    if (!['ASCENDING', 'DESCENDING', 'ORDER_DEFAULT'].includes(type) || !['NULLS FIRST', 'NULLS LAST', 'ORDER_DEFAULT'].includes(nulls)) return undefined;
    keys.push({ field: f.name, desc: type === 'DESCENDING', nullsFirst: nulls === 'NULLS FIRST' });
  }
  const signature = keys.map((k) => `${k.field}\u0000${k.desc}\u0000${k.nullsFirst}`).join('\u0001');
  return {
    reads,
    run: (batch, limit) => select(batch, where?.(batch), keys, signature, limit),
  };
}

/**
 * The whole batch in ORDER BY order, by batch and sort keys: outputs of one batch with the same
 * ORDER BY (data_dump and data_anomaly) sort once; a filtered one keeps the sorted rows that pass,
 * which is the same order (ties by position either way).
 */
const sortedBatches = new WeakMap<ColumnBatch, Map<string, Int32Array>>();

function allRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let k = 0; k < n; k++) rows[k] = k;
  return rows;
}

function select(batch: ColumnBatch, where: Predicate | undefined, keys: readonly SortKey[], signature: string, limit: number | undefined): Int32Array {
  const n = batch.length;
  const sel = batch.selection;
  const sorted = keys.length > 0 && limit === undefined ? sortedBatches.get(batch)?.get(signature) : undefined;
  if (sorted) {
    if (!where) return sorted;
    const out = new Int32Array(sorted.length);
    let m = 0;
    for (let i = 0; i < sorted.length; i++) {
      const k = sorted[i]!;
      if (where(sel ? sel[k]! : k) === 1) out[m++] = k;
    }
    return out.subarray(0, m);
  }
  let rows: Int32Array;
  if (where) {
    const out = new Int32Array(n);
    let m = 0;
    for (let k = 0; k < n; k++) if (where(sel ? sel[k]! : k) === 1) out[m++] = k;
    rows = out.subarray(0, m);
  } else {
    rows = allRows(n);
  }
  if (keys.length === 0) return limit !== undefined && rows.length > limit ? rows.slice(0, limit) : rows;
  const cmp = comparator(batch, rows, keys);
  const m = rows.length;
  if (limit !== undefined && limit < m && limit <= 64) {
    // Top k: one comparison against the current k-th for most rows, no sort of the batch.
    const best: number[] = [];
    for (let i = 0; i < m; i++) {
      if (best.length === limit && cmp(i, best[limit - 1]!) >= 0) continue;
      let at = best.length;
      while (at > 0 && cmp(i, best[at - 1]!) < 0) at--;
      best.splice(at, 0, i);
      if (best.length > limit) best.pop();
    }
    return Int32Array.from(best, (i) => rows[i]!);
  }
  const order = sortPositions(batch, rows, keys, cmp);
  const count = limit !== undefined ? Math.min(limit, m) : m;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rows[order[i]!]!;
  if (!where && count === n) {
    let cache = sortedBatches.get(batch);
    if (!cache) sortedBatches.set(batch, (cache = new Map()));
    cache.set(signature, out);
  }
  return out;
}

/** Positions in a packed sort key: row position in the low 21 bits, the first key above. */
const POS = 2 ** 21;

/**
 * Positions 0..rows.length-1 in ORDER BY order (ties by position). When the first key is an int
 * or boolean column, each row's key and position are packed into one exact double and sorted by
 * the native numeric sort (no comparator call per comparison); runs of equal first keys are then
 * ordered by the other keys. Otherwise a comparator sort.
 */
function sortPositions(batch: ColumnBatch, rows: Int32Array, keys: readonly SortKey[], cmp: (a: number, b: number) => number): Int32Array {
  const m = rows.length;
  const first = keys[0]!;
  const f = batch.fieldIndex(first.field);
  const type = batch.fields[f]!.type;
  if ((type !== 'int' && type !== 'boolean') || m >= POS) return allRows(m).sort(cmp);
  const col = batch.columns[f]!;
  const values = col.values as Int32Array | Uint8Array;
  const valid = col.valid;
  const sel = batch.selection;
  // Ranks stay within ±(2^31 + 2): rank * 2^21 + position is below 2^53, an exact double.
  const nullRank = first.nullsFirst ? -(2 ** 31) - 2 : 2 ** 31 + 1;
  const packed = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const p = sel ? sel[rows[i]!]! : rows[i]!;
    const rank = valid && valid[p] === 0 ? nullRank : first.desc ? -values[p]! : values[p]!;
    packed[i] = rank * POS + i;
  }
  packed.sort();
  const order = new Int32Array(m);
  const ranks = keys.length > 1 ? new Float64Array(m) : undefined;
  for (let i = 0; i < m; i++) {
    const rank = Math.floor(packed[i]! / POS);
    order[i] = packed[i]! - rank * POS;
    if (ranks) ranks[i] = rank;
  }
  if (ranks) {
    // Equal first keys: the full comparison (the first key compares equal, so the others decide).
    for (let i = 0; i < m; ) {
      let j = i + 1;
      while (j < m && ranks[j] === ranks[i]) j++;
      if (j - i > 1) order.subarray(i, j).sort(cmp);
      i = j;
    }
  }
  return order;
}

/**
 * Compares positions in `rows` by the sort keys, then by position (ties keep the batch's order).
 * Each key's values are gathered once into a dense array, so comparisons read no selection.
 */
function comparator(batch: ColumnBatch, rows: Int32Array, keys: readonly SortKey[]): (a: number, b: number) => number {
  const m = rows.length;
  const parts = keys.map((key) => {
    const f = batch.fieldIndex(key.field);
    const field = batch.fields[f]!;
    const col = batch.columns[f]!;
    const nulls = new Uint8Array(m);
    const sign = key.desc ? -1 : 1;
    const nullSign = key.nullsFirst ? -1 : 1;
    if (field.type === 'string') {
      const values = col.values as (string | null)[];
      const keyValues: string[] = new Array(m);
      for (let i = 0; i < m; i++) {
        const v = values[batch.physical(rows[i]!)];
        if (v === null || v === undefined) {
          nulls[i] = 1;
          keyValues[i] = '';
        } else keyValues[i] = v;
      }
      return (a: number, b: number): number => {
        if (nulls[a] !== nulls[b]) return nulls[a] ? nullSign : -nullSign;
        if (nulls[a]) return 0;
        return sign * compareStrings(keyValues[a]!, keyValues[b]!);
      };
    }
    const values = col.values as Float64Array | Int32Array | Uint8Array;
    const keyValues = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const p = batch.physical(rows[i]!);
      if (col.valid && col.valid[p] === 0) nulls[i] = 1;
      else keyValues[i] = values[p]!;
    }
    return (a: number, b: number): number => {
      if (nulls[a] !== nulls[b]) return nulls[a] ? nullSign : -nullSign;
      if (nulls[a]) return 0;
      return sign * compareNumbers(keyValues[a]!, keyValues[b]!);
    };
  });
  if (parts.length === 1) {
    const only = parts[0]!;
    return (a, b) => only(a, b) || a - b;
  }
  return (a, b) => {
    for (const c of parts) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return a - b;
  };
}

/** DuckDB's order of doubles: NaN equals NaN and is above every number (and -0 equals 0). */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = a !== a;
  const bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

/**
 * Code-point order, which is the byte order of UTF-8 (DuckDB's default collation). JS compares
 * UTF-16 units, which differs only where a surrogate meets a unit at or above U+E000.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

type Column = (n: unknown) => Field | undefined;

/**
 * A numeric column against a number, one closure per operator (the batch filter calls it once per
 * row). NaN: equal to nothing but NaN, above every number (DuckDB's order), so `>` and `>=` hold.
 */
function numberTest(f: Field, op: string, v: number): Compiled | undefined {
  const make = (values: ArrayLike<number>): ((p: number) => boolean) | undefined => {
    switch (op) {
      case 'COMPARE_EQUAL':
        return (p) => values[p] === v;
      case 'COMPARE_NOTEQUAL':
        return (p) => values[p] !== v;
      case 'COMPARE_LESSTHAN':
        return (p) => values[p]! < v;
      case 'COMPARE_LESSTHANOREQUALTO':
        return (p) => values[p]! <= v;
      case 'COMPARE_GREATERTHAN':
        return (p) => {
          const x = values[p]!;
          return x > v || x !== x;
        };
      case 'COMPARE_GREATERTHANOREQUALTO':
        return (p) => {
          const x = values[p]!;
          return x >= v || x !== x;
        };
      default:
        return undefined;
    }
  };
  if (!make([])) return undefined;
  return (b) => {
    const col = b.columns[b.fieldIndex(f.name)]!;
    const t = make(col.values as ArrayLike<number>)!;
    const valid = col.valid;
    return valid ? (p) => (valid[p] === 0 ? 2 : t(p) ? 1 : 0) : (p) => (t(p) ? 1 : 0);
  };
}

interface Constant {
  kind: Kind;
  value: number | string;
}

/** A constant the comparisons here handle exactly, or undefined. */
function constant(n: unknown): Constant | undefined {
  const x = n as Node;
  if (x?.class !== 'CONSTANT') return undefined;
  const v = x.value as { type: { id: string; type_info: Node | null }; is_null: boolean; value: unknown };
  if (v.is_null) return undefined;
  const id = v.type.id;
  if ((id === 'INTEGER' || id === 'BIGINT' || id === 'SMALLINT' || id === 'TINYINT') && typeof v.value === 'number' && Number.isSafeInteger(v.value)) return { kind: 'number', value: v.value };
  if (id === 'DOUBLE' && typeof v.value === 'number') return { kind: 'number', value: v.value };
  if (id === 'DECIMAL' && typeof v.value === 'number' && Number.isSafeInteger(v.value)) {
    // value / 10^scale, as DuckDB casts a DECIMAL to DOUBLE; small scales and widths only, so an
    // int column compared with it cannot meet a rounding error.
    const info = v.type.type_info as { width?: number; scale?: number } | null;
    const scale = info?.scale ?? -1;
    if (scale < 0 || scale > 6 || (info?.width ?? 99) > 15) return undefined;
    return { kind: 'number', value: v.value / 10 ** scale };
  }
  if (id === 'VARCHAR' && typeof v.value === 'string') return { kind: 'string', value: v.value };
  if (id === 'BOOLEAN' && typeof v.value === 'boolean') return { kind: 'boolean', value: v.value ? 1 : 0 };
  return undefined;
}

const FLIP: Record<string, string> = {
  COMPARE_EQUAL: 'COMPARE_EQUAL',
  COMPARE_NOTEQUAL: 'COMPARE_NOTEQUAL',
  COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN',
  COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO',
  COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
};

/** Turns a three-way comparison into the operator's truth value. */
function test(op: string): ((c: number) => boolean) | undefined {
  switch (op) {
    case 'COMPARE_EQUAL':
      return (c) => c === 0;
    case 'COMPARE_NOTEQUAL':
      return (c) => c !== 0;
    case 'COMPARE_LESSTHAN':
      return (c) => c < 0;
    case 'COMPARE_GREATERTHAN':
      return (c) => c > 0;
    case 'COMPARE_LESSTHANOREQUALTO':
      return (c) => c <= 0;
    case 'COMPARE_GREATERTHANOREQUALTO':
      return (c) => c >= 0;
    default:
      return undefined;
  }
}

/** Reads a column at a physical row: the value, or null. */
function reader(b: ColumnBatch, f: Field): (p: number) => number | string | null {
  const col = b.columns[b.fieldIndex(f.name)]!;
  if (f.type === 'string') {
    const values = col.values as (string | null)[];
    return (p) => values[p] ?? null;
  }
  const values = col.values as Float64Array | Int32Array | Uint8Array;
  const valid = col.valid;
  return valid ? (p) => (valid[p] === 0 ? null : values[p]!) : (p) => values[p]!;
}

function predicate(n: Node, column: Column): Compiled | undefined {
  if (n.class === 'CONJUNCTION') {
    const children = (n.children as Node[]).map((c) => predicate(c, column));
    if (children.some((c) => !c)) return undefined;
    const parts = children as Compiled[];
    if (n.type === 'CONJUNCTION_AND' || n.type === 'CONJUNCTION_OR') {
      // Three-valued logic: false decides an AND and true an OR; otherwise unknown (2) if any part is.
      const decides: 0 | 1 = n.type === 'CONJUNCTION_AND' ? 0 : 1;
      return (b) => {
        const ps = parts.map((c) => c(b));
        return (p) => {
          let unknown = false;
          for (const q of ps) {
            const r = q(p);
            if (r === decides) return decides;
            if (r === 2) unknown = true;
          }
          return unknown ? 2 : decides === 0 ? 1 : 0;
        };
      };
    }
    return undefined;
  }
  if (n.class === 'OPERATOR') {
    const children = n.children as Node[];
    if (n.type === 'OPERATOR_NOT' && children.length === 1) {
      const inner = predicate(children[0]!, column);
      if (!inner) return undefined;
      return (b) => {
        const q = inner(b);
        return (p) => {
          const r = q(p);
          return r === 2 ? 2 : r === 1 ? 0 : 1;
        };
      };
    }
    if ((n.type === 'OPERATOR_IS_NULL' || n.type === 'OPERATOR_IS_NOT_NULL') && children.length === 1) {
      const f = column(children[0]);
      if (!f) return undefined;
      const isNull = n.type === 'OPERATOR_IS_NULL';
      return (b) => {
        const read = reader(b, f);
        return (p) => ((read(p) === null) === isNull ? 1 : 0);
      };
    }
    return undefined;
  }
  if (n.class === 'COLUMN_REF') {
    const f = column(n);
    if (!f || f.type !== 'boolean') return undefined;
    return (b) => {
      const read = reader(b, f);
      return (p) => {
        const v = read(p);
        return v === null ? 2 : v === 1 ? 1 : 0;
      };
    };
  }
  if (n.class === 'COMPARISON') {
    let op = String(n.type);
    let left = n.left;
    let right = n.right;
    if (!column(left) && column(right)) {
      [left, right] = [right, left];
      op = FLIP[op] ?? '';
    }
    const check = test(op);
    const f = column(left);
    if (!check || !f) return undefined;
    const kind = kindOf(f);
    const other = column(right);
    const c = other ? undefined : constant(right);
    if (other) {
      // Column with column: numbers with numbers, strings with strings, and so on.
      if (kindOf(other) !== kind) return undefined;
      const cmp = kind === 'string' ? (x: number | string, y: number | string) => compareStrings(x as string, y as string) : (x: number | string, y: number | string) => compareNumbers(x as number, y as number);
      return (b) => {
        const l = reader(b, f);
        const r = reader(b, other);
        return (p) => {
          const x = l(p);
          const y = r(p);
          return x === null || y === null ? 2 : check(cmp(x, y)) ? 1 : 0;
        };
      };
    }
    // Timestamps compare with timestamp constants (casts) only: left to DuckDB.
    if (!c || c.kind !== kind || kind === 'timestamp') return undefined;
    if (kind === 'boolean' && op !== 'COMPARE_EQUAL' && op !== 'COMPARE_NOTEQUAL') return undefined;
    if (kind === 'string') {
      const s = c.value as string;
      return (b) => {
        const read = reader(b, f);
        return (p) => {
          const x = read(p);
          return x === null ? 2 : check(compareStrings(x as string, s)) ? 1 : 0;
        };
      };
    }
    return numberTest(f, op, c.value as number);
  }
  return undefined;
}
