import type { DuckDBConnection } from '@duckdb/node-api';
import { invalidOption } from '../errors.js';

/**
 * DuckDB's own parser, used to plan outputs: `json_serialize_sql` gives the parse tree as JSON and
 * `json_deserialize_sql` turns a (rewritten) tree back into SQL, so Sluice never parses SQL itself.
 */
export type ParseTree = Record<string, unknown>;

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export async function parseSql(connection: DuckDBConnection, sql: string, field = 'sql'): Promise<ParseTree> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${literal(sql)}) AS tree`);
  const tree = JSON.parse(String(reader.getRowObjectsJS()[0]!.tree)) as ParseTree;
  if (tree.error) throw invalidOption(field, sql, `the SQL does not parse: ${String(tree.error_message ?? tree.error_type)}`);
  return tree;
}

/**
 * DuckDB marks a node with no place in the text (a cast it added, as for `ok = false`) with
 * `query_location` 2^64 - 1, which JSON.parse rounds to a double DuckDB then refuses as a uint64:
 * written back as the exact integer.
 */
const NO_LOCATION = '18446744073709551615';

function treeJson(tree: ParseTree): string {
  const marker = '"\\u0000no-location"'; // as JSON.stringify writes the string below
  return JSON.stringify(tree, (key, value: unknown) => (key === 'query_location' && typeof value === 'number' && !Number.isSafeInteger(value) ? '\u0000no-location' : value)).replaceAll(marker, NO_LOCATION);
}

export async function deparseSql(connection: DuckDBConnection, tree: ParseTree): Promise<string> {
  const reader = await connection.runAndReadAll(`SELECT json_deserialize_sql(${literal(treeJson(tree))}::JSON) AS sql`);
  return String(reader.getRowObjectsJS()[0]!.sql);
}

/** Output column names of a query, as DuckDB names them (binds against the current tables and views). */
export async function describeSql(connection: DuckDBConnection, sql: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${sql}`);
  return reader.getRowObjectsJS().map((r) => String(r.column_name));
}

/** Names of DuckDB's aggregate functions (lower case), to tell `count(x)` from `upper(x)` in a parse tree. */
export async function aggregateFunctions(connection: DuckDBConnection): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(`SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE function_type = 'aggregate'`);
  return new Set(reader.getRowObjectsJS().map((r) => String(r.name)));
}
