/**
 * Sliding-window aggregates by panes ("No pane, no gain", Li et al., SIGMOD Record 2005): a
 * GROUP BY query over the window whose aggregates are decomposable (count, sum, min, max, avg) is
 * split in two. Each batch adds its partial aggregates per group to a small table, tagged with its
 * pane; at each firing the partials of the live panes are combined (sum of counts, min of mins,
 * sum of sums over sum of counts for avg) and the user's query, with its aggregates replaced by
 * the combined values, runs over that. The work per batch grows with the batch, and per firing
 * with groups x panes, never with the rows in the window.
 */
type Node = Record<string, unknown>;

export interface AggregatePlanParts {
  /** Runs on the batch: one row per group, with `__pane` filled by the caller, `__g<i>` and `__a<j>`. */
  partialSql: string;
  /**
   * Combines the partials of the live panes (up to a pane, or all): one row per group, `__g<i>` and
   * `__c<k>`; `by` names more columns of the partials to group by and keep (a merge's `__i`).
   */
  combineSql: (partials: string, upToPane?: number, by?: readonly string[]) => string;
  /**
   * Merges partial rows of the same group (and partition) into one, with the partial's columns in
   * its order: what keeps a long-lived table of partials (event-time windows) compact.
   */
  mergeSql: (partials: string) => string;
  /** How many group columns (`__g0` ...) the partials have. */
  groups: number;
  /** The user's query over the combined rows. */
  finalNode: Node;
  /**
   * For a merge of partials (see `EventTimeAggregate.derive`): the user's select list over the
   * combined rows plus `__i` (which merge a row answers), with HAVING as a column `__keep` instead
   * of a filter, and without ORDER BY or LIMIT.
   */
  mergedNode: Node;
  /** Output columns computed from the group expressions alone (no aggregate): what can key a merged item. */
  groupOnly: string[];
  /** The query has a LIMIT (or OFFSET): it picks among groups, which no merge per group can do. */
  limited: boolean;
  /** Expressions the partial query evaluates (WHERE, GROUP BY, aggregate arguments): what the batch must hold. */
  inputs: Node[];
}

const DECOMPOSABLE = new Set(['count_star', 'count', 'sum', 'min', 'max', 'avg']);

interface Agg {
  fn: string;
  arg: Node | undefined;
}

/** Strips positions and aliases so two spellings of one expression compare equal. */
function shape(n: unknown): string {
  return JSON.stringify(n, (k, v: unknown) => (k === 'query_location' || k === 'alias' ? undefined : v));
}

function ref(name: string): Node {
  return { class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: [name] };
}

/**
 * Plans a GROUP BY over the window as panes, or returns undefined when the query is not of that
 * shape (DISTINCT or FILTER in an aggregate, other aggregate functions, GROUPING SETS, a column
 * used outside both the GROUP BY and an aggregate, ...). `exprSql` renders one expression as SQL.
 */
export async function planPaneAggregate(
  node: Node,
  aggregates: ReadonlySet<string>,
  exprSql: (expr: Node) => Promise<string>,
  fromSql: string,
  /** Output names of the query (DuckDB's), so rewritten select items keep them. */
  names: readonly string[],
  /** An expression the partials are also grouped by, as `__part` (event-time state is kept per shard); the combine ignores it. */
  partitionBy?: string,
): Promise<AggregatePlanParts | undefined> {
  const groups = (node.group_expressions as Node[]) ?? [];
  const sets = (node.group_sets as number[][]) ?? [];
  if (sets.length > 1 || (sets.length === 1 && sets[0]!.length !== groups.length)) return undefined;
  const groupShapes = groups.map(shape);
  const aggs: Agg[] = [];
  const aggIndex = new Map<string, number>();
  let ok = true;

  // Replaces aggregates with __c<k> and group expressions with __g<i>; any other column left is a failure.
  const aliases = new Set((node.select_list as Node[]).map((i) => String(i.alias ?? '').toLowerCase()).filter(Boolean));
  const rewrite = (n: unknown, inModifiers = false): unknown => {
    if (Array.isArray(n)) return n.map((x) => rewrite(x, inModifiers));
    if (n === null || typeof n !== 'object') return n;
    const o = n as Node;
    if (typeof o.class === 'string') {
      const g = groupShapes.indexOf(shape(o));
      if (g >= 0) return { ...ref(`__g${g}`), alias: o.alias ?? '' };
      if (o.class === 'FUNCTION' && aggregates.has(String(o.function_name).toLowerCase())) {
        const fn = String(o.function_name).toLowerCase();
        const children = (o.children as Node[]) ?? [];
        if (!DECOMPOSABLE.has(fn) || o.distinct || o.filter || ((o.order_bys as { orders: unknown[] } | undefined)?.orders.length ?? 0) > 0 || children.length > 1) {
          ok = false;
          return o;
        }
        const key = shape({ fn, children });
        let k = aggIndex.get(key);
        if (k === undefined) {
          k = aggs.length;
          aggs.push({ fn, arg: children[0] });
          aggIndex.set(key, k);
        }
        return { ...ref(`__c${k}`), alias: o.alias ?? '' };
      }
      // ORDER BY may name a select item by its alias.
      if (inModifiers && o.class === 'COLUMN_REF' && (o.column_names as string[]).length === 1 && aliases.has((o.column_names as string[])[0]!.toLowerCase())) return o;
      if (o.class === 'COLUMN_REF' || o.class === 'STAR' || o.class === 'WINDOW' || o.class === 'SUBQUERY') {
        ok = false;
        return o;
      }
    }
    const out: Node = {};
    for (const [k, v] of Object.entries(o)) out[k] = rewrite(v, inModifiers);
    return out;
  };

  // Select items keep the names DuckDB gives them in the original query.
  const selectList = (rewrite(node.select_list) as Node[]).map((item, i) => ({ ...item, alias: names[i] ?? item.alias }));
  const having = rewrite(node.having ?? null) as Node | null;
  const modifiers = rewrite(node.modifiers, true) as Node[];
  if (!ok || aggs.length === 0 || selectList.length !== names.length) return undefined;

  // Partials: avg needs a sum and a count; count(*) and count(x) become sums of counts.
  const partial: string[] = [];
  const merge: string[] = [];
  const combine: string[] = [];
  for (const [k, a] of aggs.entries()) {
    const arg = a.arg ? await exprSql(a.arg) : '*';
    const p = `__a${partial.length}`;
    switch (a.fn) {
      case 'count_star':
      case 'count':
        partial.push(`count(${a.fn === 'count_star' ? '*' : arg}) AS ${p}`);
        merge.push(`CAST(sum(${p}) AS BIGINT) AS ${p}`);
        combine.push(`coalesce(CAST(sum(${p}) AS BIGINT), 0) AS __c${k}`);
        break;
      case 'sum':
      case 'min':
      case 'max':
        partial.push(`${a.fn}(${arg}) AS ${p}`);
        merge.push(`${a.fn}(${p}) AS ${p}`);
        combine.push(`${a.fn}(${p}) AS __c${k}`);
        break;
      case 'avg': {
        const c = `__a${partial.length + 1}`;
        partial.push(`sum(${arg}) AS ${p}`, `count(${arg}) AS ${c}`);
        merge.push(`sum(${p}) AS ${p}`, `CAST(sum(${c}) AS BIGINT) AS ${c}`);
        combine.push(`sum(${p}) / nullif(sum(${c}), 0) AS __c${k}`);
        break;
      }
    }
  }
  const groupSql = await Promise.all(groups.map(exprSql));
  const where = node.where_clause ? ` WHERE ${await exprSql(node.where_clause as Node)}` : '';
  const groupCols = groupSql.map((g, i) => `${g} AS __g${i}`);
  const partitionCols = partitionBy ? [`${partitionBy} AS __part`] : [];
  const groupBy = [...groupSql, ...(partitionBy ? [partitionBy] : [])];
  const partialSql = `SELECT ${[...groupCols, ...partitionCols, ...partial].join(', ')} FROM ${fromSql}${where}${groupBy.length ? ` GROUP BY ${groupBy.join(', ')}` : ''}`;
  const gNames = groups.map((_, i) => `__g${i}`);
  const keyNames = [...gNames, ...(partitionBy ? ['__part'] : [])];
  const mergeSql = (partials: string) => `SELECT ${[...keyNames, ...merge].join(', ')} FROM ${partials}${keyNames.length ? ` GROUP BY ${keyNames.join(', ')}` : ''}`;
  const combineSql = (partials: string, upTo?: number, by: readonly string[] = []) =>
    `SELECT ${[...by, ...gNames, ...combine].join(', ')} FROM ${partials}${upTo === undefined ? '' : ` WHERE "__pane" <= ${upTo}`}${gNames.length + by.length ? ` GROUP BY ${[...by, ...gNames].join(', ')}` : ''}`;
  const finalNode: Node = {
    ...node,
    select_list: selectList,
    where_clause: having,
    having: null,
    group_expressions: [],
    group_sets: [],
    modifiers,
  };
  const usesAggregate = (n: unknown): boolean => JSON.stringify(n).includes('"column_names":["__c');
  const mergedNode: Node = {
    ...finalNode,
    select_list: [...selectList, ref('__i'), ...(having ? [{ ...having, alias: '__keep' }] : [])],
    where_clause: null,
    modifiers: [],
  };
  const groupOnly = selectList.filter((item) => !usesAggregate(item)).map((item) => String(item.alias));
  const limited = ((node.modifiers as Node[]) ?? []).some((m) => m.type === 'LIMIT_MODIFIER' || m.type === 'LIMIT_PERCENT_MODIFIER');
  return { partialSql, combineSql, mergeSql, groups: groups.length, finalNode, mergedNode, groupOnly, limited, inputs: [...groups, ...aggs.flatMap((a) => (a.arg ? [a.arg] : [])), ...(node.where_clause ? [node.where_clause as Node] : [])] };
}
