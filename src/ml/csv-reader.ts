import { existsSync } from 'node:fs';
import { SluiceError, invalidOption } from '../errors.js';
import { DataFrame, quoteIdent } from './dataframe.js';
import type { MlSession } from './session.js';

export interface CsvOptions {
  /** First line holds the column names (Spark default false: columns are `_c0`, `_c1`, ...). */
  readonly header?: boolean;
  /** Infer integer / long / double / boolean per column as Spark does; else every column is string. */
  readonly inferSchema?: boolean;
  readonly sep?: string;
}

const INT_RE = '[+-]?[0-9]+';
// Java's Double.parseDouble: trims whitespace, optional sign, NaN / Infinity or a decimal number.
const DOUBLE_BODY = '[+-]?(NaN|Infinity|([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?)';
const DOUBLE_RE = `\\s*${DOUBLE_BODY}\\s*`;
const DOUBLE_SUFFIX_RE = `\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?[dDfF]\\s*`;
const BIT = { int: 1, long: 2, double: 4, suffixed: 8, boolean: 16, string: 32 } as const;

/**
 * Spark's `spark.read.csv(path, header, inferSchema)` on DuckDB's CSV parser: the file is read as
 * text (empty fields are null), then each column's type is the narrowest of integer, long,
 * double, boolean that parses every non-null value the way Java's `Integer.parseInt`,
 * `Long.parseLong`, `Double.parseDouble` would; otherwise string. All columns are nullable.
 * Timestamps and decimals (Spark's `prefersDecimal`) are not inferred: such columns stay strings.
 */
export async function readCsv(session: MlSession, path: string, options: CsvOptions): Promise<DataFrame> {
  if (!existsSync(path)) throw invalidOption('csv path', path, 'give the path of an existing CSV file');
  const header = options.header ?? false;
  const sep = options.sep ?? ',';
  const raw = session.nextTableName();
  const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  try {
    await session.connection.run(
      `CREATE TABLE ${raw} AS SELECT * FROM read_csv(${lit(path)}, header = ${header}, all_varchar = true, delim = ${lit(sep)}, auto_detect = true)`,
    );
  } catch (e) {
    throw new SluiceError(`Could not read CSV ${path}: ${e instanceof Error ? e.message : String(e)}`, { domain: 'user', code: 'InvalidCsv', cause: e });
  }
  const described = await session.connection.runAndReadAll(`DESCRIBE ${raw}`);
  const rawNames = described.getRowObjectsJS().map((r) => String(r.column_name));
  const names = header ? rawNames : rawNames.map((_, i) => `_c${i}`);
  const types: string[] = rawNames.map(() => 'VARCHAR');
  if (options.inferSchema === true && rawNames.length > 0) {
    // One classification per value, cheapest test first: int, long, double, double with Java's
    // d/f suffix, boolean, string; a column's type is decided from the set of classes it holds
    // (bit_or of one bit per class). Regexes, not DuckDB casts, decide: DuckDB's casts accept
    // '1.5' as an integer, '1_000', 'inf' or 'nan', which Java's parsers refuse.
    const checks = rawNames.map((c) => {
      const q = quoteIdent(c);
      return `bit_or(CASE WHEN regexp_full_match(${q}, '${INT_RE}') THEN (CASE WHEN TRY_CAST(${q} AS BIGINT) BETWEEN -2147483648 AND 2147483647 THEN ${BIT.int} WHEN TRY_CAST(${q} AS BIGINT) IS NOT NULL THEN ${BIT.long} ELSE ${BIT.double} END) WHEN regexp_full_match(${q}, '${DOUBLE_RE}') THEN ${BIT.double} WHEN regexp_full_match(${q}, '${DOUBLE_SUFFIX_RE}') THEN ${BIT.suffixed} WHEN lower(${q}) IN ('true', 'false') THEN ${BIT.boolean} ELSE ${BIT.string} END) FILTER (WHERE ${q} IS NOT NULL)`;
    });
    const reader = await session.connection.runAndReadAll(`SELECT ${checks.join(', ')} FROM ${raw}`);
    const masks = reader.getRowsJS()[0]!;
    rawNames.forEach((_, i) => {
      const mask = masks[i] === null ? 0 : Number(masks[i]);
      const numeric = BIT.int | BIT.long | BIT.double | BIT.suffixed;
      if (mask === 0) types[i] = 'VARCHAR';
      else if (mask === BIT.int) types[i] = 'INTEGER';
      else if ((mask & ~(BIT.int | BIT.long)) === 0) types[i] = 'BIGINT';
      else if ((mask & ~numeric) === 0) types[i] = (mask & BIT.suffixed) !== 0 ? 'DOUBLE_SUFFIXED' : 'DOUBLE';
      else if (mask === BIT.boolean) types[i] = 'BOOLEAN';
      else types[i] = 'VARCHAR';
    });
  }
  const cast = (c: string, t: string): string => {
    if (t === 'VARCHAR') return quoteIdent(c);
    // Java accepts a trailing d/f suffix; DuckDB does not, so strip it where the column has one.
    if (t === 'DOUBLE_SUFFIXED') return `CAST(rtrim(${quoteIdent(c)}, 'dDfF') AS DOUBLE)`;
    return `CAST(${quoteIdent(c)} AS ${t})`;
  };
  const cols = rawNames.map((c, i) => `${cast(c, types[i]!)} AS ${quoteIdent(names[i]!)}`).join(', ');
  const table = session.nextTableName();
  // `rowid` of a freshly created table is its insertion order, i.e. the file's line order.
  await session.connection.run(`CREATE TABLE ${table} AS SELECT rowid AS __rid, ${cols} FROM ${raw} ORDER BY rowid`);
  await session.connection.run(`DROP TABLE ${raw}`);
  return DataFrame.fromTable(session, table);
}
