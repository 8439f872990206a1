import { ColumnBatch, type Field, type Row } from '../core/batch.js';
import type { Sink, SinkWriteContext, SinkWriteResult } from '../core/sink.js';
import { SluiceError } from '../errors.js';
import { parseSql } from '../sql/parse.js';
import type { SqlEngine } from '../sql/engine.js';

/** The ESM's limit on the state a tumbling-window handler returns. */
export const STATE_LIMIT_BYTES = 1024 * 1024;

/** How a column of an aggregate output combines across invocations: a group key, or an aggregate. */
export type Combine = 'key' | 'sum' | 'min' | 'max';

/** One aggregate output's partial result for the current window, as kept in the ESM state. */
export interface OutputState {
  fields: Field[];
  /** Group key (JSON of the key values) -> the row's values, in `fields` order. */
  groups: Record<string, unknown[]>;
}

export interface WindowState {
  /** The window's start as the ESM gives it: state of another window is not merged. */
  window: string;
  outputs: Record<string, OutputState>;
}

/**
 * Reads an aggregate output's SQL (DuckDB's parser) and says how each select item combines:
 * count and sum add up, min and max keep the extreme, anything without an aggregate is a group
 * key. Undefined for an output without aggregates (its rows are written as they come). Refuses what cannot be combined from per-invocation partials (avg, HAVING, LIMIT, ...).
 */
export async function combinePlan(sql: SqlEngine, name: string, text: string): Promise<Combine[] | undefined> {
  const tree = await parseSql(sql.connection, text, `outputs.${name}.sql`);
  const node = ((tree.statements as { node: Record<string, unknown> }[])[0]?.node ?? {}) as Record<string, unknown>;
  const refuse = (what: string) =>
    new SluiceError(
      `outputs.${name}.sql: ${what} cannot be combined across the invocations of an ESM tumbling window (TumblingWindowInSeconds); fix: select count/sum/min/max per group (e.g. sum(x) and count(x) instead of avg(x)) and filter or rank downstream`,
      { domain: 'user', code: 'TumblingNotCombinable' },
    );
  const groups = (node.group_expressions as unknown[] | undefined) ?? [];
  if (groups.length === 0 && !containsAggregate(node.select_list)) return undefined; // one row per record: written as it comes
  if (node.having) throw refuse('HAVING');
  const modifiers = (node.modifiers as { type: string }[] | undefined) ?? [];
  if (modifiers.some((m) => m.type !== 'ORDER_MODIFIER')) throw refuse('LIMIT or DISTINCT');
  return (node.select_list as Record<string, unknown>[]).map((item) => {
    if (item.class === 'FUNCTION') {
      const fn = String(item.function_name).toLowerCase();
      if (item.distinct) throw refuse(`${fn}(DISTINCT ...)`);
      if (fn === 'count' || fn === 'count_star' || fn === 'sum') return 'sum';
      if (fn === 'min' || fn === 'max') return fn;
      if (isAggregateName(fn)) throw refuse(`${fn}()`);
    }
    if (containsAggregate(item)) throw refuse('an expression over an aggregate');
    return 'key';
  });
}

const OTHER_AGGREGATES = new Set(['avg', 'mean', 'median', 'quantile', 'quantile_cont', 'quantile_disc', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'list', 'array_agg', 'string_agg', 'first', 'last', 'any_value', 'arg_min', 'arg_max', 'approx_count_distinct', 'mode', 'product', 'bool_and', 'bool_or']);

function isAggregateName(fn: string): boolean {
  return OTHER_AGGREGATES.has(fn);
}

function containsAggregate(n: unknown): boolean {
  if (Array.isArray(n)) return n.some(containsAggregate);
  if (n === null || typeof n !== 'object') return false;
  const o = n as Record<string, unknown>;
  if (o.class === 'FUNCTION') {
    const fn = String(o.function_name).toLowerCase();
    if (fn === 'count' || fn === 'count_star' || fn === 'sum' || fn === 'min' || fn === 'max' || isAggregateName(fn)) return true;
  }
  return Object.values(o).some(containsAggregate);
}

function plain(v: unknown): unknown {
  return v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v;
}

/** Folds a batch of partial rows into an output's state. */
export function mergeInto(state: OutputState, rows: readonly Row[], combine: readonly Combine[]): void {
  const names = state.fields.map((f) => f.name);
  for (const row of rows) {
    const values = names.map((n) => plain(row[n]));
    const key = JSON.stringify(values.filter((_, i) => combine[i] === 'key'));
    const prev = state.groups[key];
    if (!prev) {
      state.groups[key] = values;
      continue;
    }
    for (let i = 0; i < values.length; i++) {
      const a = prev[i] as number | null;
      const b = values[i] as number | null;
      if (combine[i] === 'key' || b === null || b === undefined) continue;
      if (a === null || a === undefined) prev[i] = b;
      else if (combine[i] === 'sum') prev[i] = a + b;
      else if (combine[i] === 'min') prev[i] = b < a ? b : a;
      else if (combine[i] === 'max') prev[i] = b > a ? b : a;
    }
  }
}

/** Throws a clear error when the state would not fit the ESM's 1 MB limit. */
export function checkStateSize(state: WindowState): void {
  const bytes = Buffer.byteLength(JSON.stringify(state));
  if (bytes > STATE_LIMIT_BYTES) {
    const groups = Object.entries(state.outputs).map(([n, o]) => `${n}: ${Object.keys(o.groups).length} groups`);
    throw new SluiceError(
      `the tumbling window's aggregates take ${bytes} bytes of ESM state (${groups.join(', ')}), above the ESM's limit of ${STATE_LIMIT_BYTES} bytes; fix: a shorter TumblingWindowInSeconds, fewer groups (coarser GROUP BY keys), or a windowed pipeline under sluice run`,
      { domain: 'user', code: 'TumblingStateTooLarge' },
    );
  }
}

/**
 * Wraps an aggregate output's sink for an ESM tumbling window: each invocation's partial rows are
 * folded into the window state; on the window's final invocation the combined rows go to the sink.
 * Outside a tumbling window it passes writes through.
 */
export class TumblingSink implements Sink {
  /** Set by the handler for each invocation: the state to fold into, and whether to emit. */
  current: { state: WindowState; final: boolean } | undefined;

  constructor(
    readonly inner: Sink,
    readonly output: string,
    readonly combine: () => readonly Combine[] | undefined,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult> {
    const combine = this.combine();
    if (!this.current || !combine) return this.inner.write(batch, ctx);
    const { state, final } = this.current;
    const out = (state.outputs[this.output] ??= { fields: [...batch.fields], groups: {} });
    mergeInto(out, batch.rows, combine);
    if (!final) return { written: 0, skipped: 0, deadLetters: [] };
    const names = out.fields.map((f) => f.name);
    const rows = Object.values(out.groups).map((values) => Object.fromEntries(names.map((n, i) => [n, values[i]])));
    return this.inner.write(ColumnBatch.fromRows(out.fields, rows), { ...ctx, emitsOnce: false });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
