import type { Field } from '../../core/batch.js';
import { compileComputed, type JsComputed } from './js-compute.js';
import { compileSelect, type JsSelect } from './js-select.js';
import { planPaneAggregate } from './plan-aggregate.js';

/**
 * How an output's SQL is run, decided once at start from DuckDB's own parse tree
 * (`json_serialize_sql`), so the cost of every batch does not grow with the window:
 *
 * - `incremental`: a projection/filter of the window (no aggregate, window function, subquery,
 *   DISTINCT or LIMIT). It runs on each batch's new rows only, so each record is emitted once.
 *   Columns selected as they are come from the batch in memory (a selection vector); DuckDB
 *   evaluates only WHERE, ORDER BY and computed expressions over the columns they name.
 * - `topk`: the same with ORDER BY ... LIMIT k. Top-k is decomposable: the top k of a window is
 *   the top k of the union of each batch's top k. Each batch keeps its own k candidates (a few
 *   rows); the window's answer is the query over the candidates of the live panes.
 * - `aggregate`: GROUP BY with count/sum/min/max/avg: partial aggregates per batch and pane,
 *   combined at each firing (see plan-aggregate.ts).
 * - `window`: anything else (DISTINCT, joins, window functions, ...): it runs over the
 *   whole window when it fires. The window keeps only the columns such queries name.
 *
 * `scope: 'batch'` marks queries that see the current batch only (no window, or `FROM
 * current_batch`): they run every batch.
 */
export type OutputPlan =
  | {
      kind: 'incremental';
      scope: 'batch' | 'window';
      /** Output columns in order: a batch field (renamed) or a computed expression. */
      columns: OutputColumn[];
      /** Null when the output is the batch as it is (SELECT * with no WHERE or ORDER BY). */
      selectSql: string | null;
      /** Batch fields DuckDB needs (WHERE, ORDER BY, computed expressions). */
      needs: Set<string>;
      /** Set when WHERE and ORDER BY run in JS (no computed column): DuckDB sees none of the batch. */
      js?: JsSelect;
      /** With `js`: the computed columns, by `computed` index, evaluated in JS too (see js-compute.ts). */
      jsComputed?: JsComputed[];
    }
  | {
      kind: 'topk';
      scope: 'window';
      /** Selects the `__row` of each batch's candidates, in order. */
      candidateSql: string;
      /** The user's query over the candidate table. */
      finalSql: string;
      needs: Set<string>;
      /** Fields the final query names: what candidates keep. */
      keeps: Set<string>;
      /**
       * Set when WHERE and ORDER BY run in JS and the select list names fields only: candidates
       * are kept in JS per pane, and the final query is the same selection over them.
       */
      js?: { select: JsSelect; limit: number; columns: { name: string; field: string }[] };
    }
  | {
      kind: 'aggregate';
      scope: 'window';
      /** One row per group of the batch's rows: `__g<i>`, `__a<j>` (the pane column is added by the executor). */
      partialSql: string;
      /** Combines partials of the live panes, per group. */
      combineSql: (partials: string, upToPane?: number, by?: readonly string[]) => string;
      /** Merges partial rows of one group (and shard) into one. */
      mergeSql: (partials: string) => string;
      /** How many group columns (`__g0` ...) the partials have. */
      groups: number;
      /**
       * Event-time windows: which group expression (`__g<index>`) is the window the row belongs
       * to (`window_start` or `window_end`), so the executor knows when a group's window closes.
       */
      windowGroup?: { index: number; column: 'window_start' | 'window_end' };
      /** The user's query over the combined rows. */
      finalSql: string;
      /**
       * Event-time windows: what a merge of partials across workers needs (see
       * `EventTimeAggregate.derive`): the user's select list over `tables.aggregates(index)_m`
       * with `__i` and HAVING as `__keep`; the output columns that depend on group expressions
       * only (what may key a merged item); whether a LIMIT picks among groups.
       */
      merged?: { finalSql: string; groupOnly: string[]; limited: boolean };
      needs: Set<string>;
    }
  | {
      kind: 'window';
      scope: 'batch' | 'window';
      sql: string;
      /** Fields the query names: what the window (or batch table) keeps. */
      needs: Set<string>;
    };

export type OutputColumn = { name: string; field: string } | { name: string; computed: number };

/** DuckDB's serialized parse tree: plain JSON objects. */
type Node = Record<string, unknown>;

export interface PlanContext {
  view: string;
  /** Every field of the view (declared, operator-added, metadata). */
  fields: readonly Field[];
  /** True when the pipeline has no window: every query sees the current batch. */
  noWindow: boolean;
  aggregates: ReadonlySet<string>;
  parse(sql: string): Promise<Node>;
  deparse(statement: Node): Promise<string>;
  /** Output column names of a query, as DuckDB names them. */
  describe(sql: string): Promise<string[]>;
  /** Names the tables the plan's SQL reads. */
  tables: { batch: string; candidates: (i: number) => string; aggregates: (i: number) => string };
  /** False: run every output in DuckDB, never in JS (tests compare the two). Default true. */
  js?: boolean;
  /**
   * Event-time windows: aggregates read `input` (the batch with one row per window a record falls
   * in) and keep their partials per shard (`_shard`). `addWindow`: a processing-time GROUP BY run
   * on arrival-time windows (engine/arrival-time.ts): `window_start` is added to its GROUP BY.
   */
  eventTime?: { input: string; addWindow?: boolean };
  index: number;
}

export async function planOutput(sql: string, ctx: PlanContext): Promise<OutputPlan> {
  const parsed = await ctx.parse(sql);
  const fieldNames = new Map(ctx.fields.map((f) => [f.name.toLowerCase(), f.name]));
  /** The view's fields a tree names (every field for a `*`). */
  const fieldsIn = (tree: unknown): Set<string> => {
    const refs = referencedColumns(tree);
    if (refs === 'all') return new Set(ctx.fields.map((f) => f.name));
    return new Set([...refs].flatMap((c) => fieldNames.get(c.toLowerCase()) ?? []));
  };
  // Anything the faster plans cannot prove equal runs as written, over the whole window.
  const fallback = (scope: 'batch' | 'window'): OutputPlan => ({ kind: 'window', scope, sql, needs: fieldsIn(parsed) });
  const statements = parsed.statements as Node[] | undefined;
  const node = statements?.length === 1 ? (statements[0]!.node as Node) : undefined;
  const from = node?.from_table as Node | undefined;
  const table = from?.type === 'BASE_TABLE' && !from.schema_name ? String(from.table_name) : undefined;
  const scope: 'batch' | 'window' = ctx.noWindow || table?.toLowerCase() === 'current_batch' ? 'batch' : 'window';
  if (!node || !from || node.type !== 'SELECT_NODE' || !table || (table.toLowerCase() !== ctx.view.toLowerCase() && table.toLowerCase() !== 'current_batch')) {
    return fallback(scope);
  }
  const cte = (node.cte_map as { map: unknown[] } | undefined)?.map ?? [];
  if (cte.length > 0 || node.qualify || node.sample || from.sample) return fallback(scope);
  if ((node.aggregate_handling as string) !== 'STANDARD_HANDLING') return fallback(scope);
  // Qualified references (hot_sensors.id, h.id) keep working on the replaced table through its alias.
  const alias = (from.alias as string) || table;
  const grouped = ((node.group_expressions as unknown[]) ?? []).length > 0 || node.having || hasAggregate(node.select_list, ctx.aggregates);
  if (grouped) {
    if (scope === 'batch') return fallback(scope);
    const g = ctx.eventTime?.addWindow ? withWindowGroup(node) : node;
    const exprSql = async (expr: Node) => (await ctx.deparse(wrap(parsed, { ...g, select_list: [expr], where_clause: null, group_expressions: [], group_sets: [], having: null, modifiers: [], from_table: { type: 'EMPTY', alias: '', sample: null, query_location: 0 } }))).replace(/^SELECT /, '');
    const names = await ctx.describe(sql);
    const input = ctx.eventTime?.input ?? ctx.tables.batch;
    const parts = await planPaneAggregate(g, ctx.aggregates, exprSql, `${input} AS ${quote(alias)}`, names, ctx.eventTime ? quote('_shard') : undefined).catch(() => undefined);
    if (!parts) return fallback(scope);
    const finalNode = { ...parts.finalNode, from_table: { ...from, table_name: ctx.tables.aggregates(ctx.index), alias } };
    const needs = fieldsIn(parts.inputs);
    // Event time: partials are kept per shard, and the input leaves out windows already closed (by window_end).
    if (ctx.eventTime) for (const f of ['_shard', 'window_end']) needs.add(f);
    const windowIndex = ((g.group_expressions as Node[]) ?? []).findIndex((e) => e.class === 'COLUMN_REF' && ['window_start', 'window_end'].includes(String((e.column_names as string[]).at(-1)).toLowerCase()));
    const windowGroup = windowIndex >= 0 ? { index: windowIndex, column: String(((g.group_expressions as Node[])[windowIndex]!.column_names as string[]).at(-1)).toLowerCase() as 'window_start' | 'window_end' } : undefined;
    return {
      kind: 'aggregate',
      scope: 'window',
      partialSql: parts.partialSql,
      combineSql: parts.combineSql,
      mergeSql: parts.mergeSql,
      groups: parts.groups,
      ...(windowGroup ? { windowGroup } : {}),
      finalSql: await ctx.deparse(wrap(parsed, finalNode)),
      ...(ctx.eventTime
        ? {
            merged: {
              finalSql: await ctx.deparse(wrap(parsed, { ...parts.mergedNode, from_table: { ...from, table_name: `${ctx.tables.aggregates(ctx.index)}_m`, alias } })),
              groupOnly: parts.groupOnly,
              limited: parts.limited,
            },
          }
        : {}),
      needs,
    };
  }
  const modifiers = (node.modifiers as Node[]) ?? [];
  const order = modifiers.filter((m) => m.type === 'ORDER_MODIFIER');
  const limit = modifiers.filter((m) => m.type === 'LIMIT_MODIFIER');
  if (modifiers.length !== order.length + limit.length || limit.length > 1 || order.length > 1) return fallback(scope);
  const lim = limit[0];
  if (lim && (lim.offset || (lim.limit as Node | null)?.class !== 'CONSTANT')) return fallback(scope);
  const parts = [node.select_list, node.where_clause, order[0]];
  if (parts.some((p) => hasUnsafe(p, ctx.aggregates))) return fallback(scope);

  const onBatch = (n: Node): Node => ({ ...n, from_table: { ...from, table_name: ctx.tables.batch, alias } });

  if (lim) {
    if (scope === 'batch') return fallback(scope);
    const candidate = onBatch({ ...node, select_list: [columnRef('__row')] });
    const finalNode = { ...node, from_table: { ...from, table_name: ctx.tables.candidates(ctx.index), alias } };
    const columns = ctx.js === false ? undefined : plainColumns(node, ctx.fields, fieldNames, alias, await ctx.describe(sql));
    const select = columns && compileSelect(node, ctx.fields, alias, columns);
    const limit = Number((lim.limit as { value: { value: unknown } }).value.value);
    return {
      kind: 'topk',
      scope: 'window',
      candidateSql: await ctx.deparse(wrap(parsed, candidate)),
      finalSql: await ctx.deparse(wrap(parsed, finalNode)),
      needs: fieldsIn({ where: node.where_clause, order: order[0] }),
      keeps: fieldsIn(node),
      ...(select && columns && Number.isSafeInteger(limit) && limit >= 0 ? { js: { select, limit, columns } } : {}),
    };
  }

  // Incremental: each select item is a batch field, every field (*), or an expression DuckDB computes.
  const names = await ctx.describe(sql);
  const columns: OutputColumn[] = [];
  const computed: Node[] = [];
  let out = 0;
  for (const item of node.select_list as Node[]) {
    if (item.class === 'STAR') {
      const plain = !item.expr && !item.columns && (item.exclude_list as unknown[]).length === 0 && (item.replace_list as unknown[]).length === 0 && (item.rename_list as unknown[] | undefined ?? []).length === 0 && (item.qualified_exclude_list as unknown[] | undefined ?? []).length === 0;
      if (!plain) return fallback(scope);
      for (const f of ctx.fields) columns.push({ name: names[out++] ?? f.name, field: f.name });
      continue;
    }
    const ref = item.class === 'COLUMN_REF' ? (item.column_names as string[]) : undefined;
    const field = ref ? fieldNames.get(ref[ref.length - 1]!.toLowerCase()) : undefined;
    if (field && (ref!.length === 1 || ref![0]!.toLowerCase() === alias.toLowerCase())) {
      columns.push({ name: names[out++] ?? field, field });
    } else {
      columns.push({ name: names[out++] ?? `col${out}`, computed: computed.length });
      computed.push(item);
    }
  }
  if (out !== names.length) return fallback(scope);
  const needs = fieldsIn({ where: node.where_clause, order: order[0], computed });
  const trivial = !node.where_clause && order.length === 0 && computed.length === 0;
  const selectSql = trivial ? null : await ctx.deparse(wrap(parsed, onBatch({ ...node, select_list: [columnRef('__row'), ...computed] })));
  const jsComputed = ctx.js === false ? [] : computed.map((c) => compileComputed(c, ctx.fields, alias));
  const computedInJs = jsComputed.every((c) => c !== undefined);
  const outputs = columns.map((c) => ('field' in c ? c : { name: c.name, field: '' }));
  const js = !trivial && computedInJs && ctx.js !== false ? compileSelect(node, ctx.fields, alias, outputs) : undefined;
  return { kind: 'incremental', scope, columns, selectSql, needs, ...(js ? { js } : {}), ...(js && computed.length > 0 ? { jsComputed: jsComputed as JsComputed[] } : {}) };
}

/** The GROUP BY with `window_start` added last (in its grouping set too), for an arrival-time window. */
function withWindowGroup(node: Node): Node {
  const groups = (node.group_expressions as Node[]) ?? [];
  const sets = (node.group_sets as number[][]) ?? [];
  return { ...node, group_expressions: [...groups, columnRef('window_start')], group_sets: sets.length === 1 ? [[...sets[0]!, groups.length]] : sets };
}

/** The output columns of a select list that names fields only (or `*`), or undefined. */
function plainColumns(node: Node, fields: readonly Field[], fieldNames: ReadonlyMap<string, string>, alias: string, names: readonly string[]): { name: string; field: string }[] | undefined {
  const columns: { name: string; field: string }[] = [];
  let out = 0;
  for (const item of node.select_list as Node[]) {
    if (item.class === 'STAR') {
      const plain = !item.expr && !item.columns && (item.exclude_list as unknown[]).length === 0 && (item.replace_list as unknown[]).length === 0 && ((item.rename_list as unknown[] | undefined) ?? []).length === 0 && ((item.qualified_exclude_list as unknown[] | undefined) ?? []).length === 0 && !item.relation_name;
      if (!plain) return undefined;
      for (const f of fields) columns.push({ name: names[out++] ?? f.name, field: f.name });
      continue;
    }
    const ref = item.class === 'COLUMN_REF' ? (item.column_names as string[]) : undefined;
    const field = ref ? fieldNames.get(ref[ref.length - 1]!.toLowerCase()) : undefined;
    if (!field || !(ref!.length === 1 || (ref!.length === 2 && ref![0]!.toLowerCase() === alias.toLowerCase()))) return undefined;
    columns.push({ name: names[out++] ?? field, field });
  }
  return out === names.length ? columns : undefined;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function hasAggregate(tree: unknown, aggregates: ReadonlySet<string>): boolean {
  let found = false;
  walk(tree, (n) => {
    if (n.class === 'FUNCTION' && aggregates.has(String(n.function_name).toLowerCase())) found = true;
  });
  return found;
}

function wrap(parsed: Node, node: Node): Node {
  const statements = parsed.statements as Node[];
  return { ...parsed, statements: [{ ...statements[0]!, node }] };
}

function columnRef(name: string): Node {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: [name] };
}

/** True when the tree holds an aggregate, a window function or a subquery (anything that sees more than one row). */
function hasUnsafe(tree: unknown, aggregates: ReadonlySet<string>): boolean {
  let unsafe = false;
  walk(tree, (n) => {
    if (n.class === 'WINDOW' || n.class === 'SUBQUERY') unsafe = true;
    else if (n.class === 'FUNCTION' && (aggregates.has(String(n.function_name).toLowerCase()) || n.distinct === true)) unsafe = true;
  });
  return unsafe;
}

/**
 * Calls in a tree whose value can differ between two runs over the same rows (`now()`,
 * `random()`, `current_timestamp`, ...): `volatile` lists DuckDB's functions that are not
 * CONSISTENT (from `duckdb_functions()`).
 */
export function volatileCalls(tree: unknown, volatile: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  walk(tree, (n) => {
    if (n.class === 'FUNCTION' && volatile.has(String(n.function_name).toLowerCase())) found.add(String(n.function_name));
    if (n.class === 'COLUMN_REF') {
      const name = (n.column_names as string[]).at(-1)!.toLowerCase();
      if ((n.column_names as string[]).length === 1 && ['current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime'].includes(name)) found.add(name);
    }
  });
  return [...found];
}

/** Column names a tree references (last part of qualified names), or `all` when it holds a `*`. */
export function referencedColumns(tree: unknown): Set<string> | 'all' {
  const out = new Set<string>();
  let star = false;
  walk(tree, (n) => {
    if (n.class === 'STAR') star = true;
    else if (n.class === 'COLUMN_REF') {
      const names = n.column_names as string[];
      out.add(names[names.length - 1]!);
    }
  });
  return star ? 'all' : out;
}

function walk(tree: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(tree)) {
    for (const t of tree) walk(t, visit);
  } else if (tree !== null && typeof tree === 'object') {
    const n = tree as Node;
    if (typeof n.class === 'string') visit(n);
    for (const v of Object.values(n)) if (v !== null && typeof v === 'object') walk(v, visit);
  }
}
