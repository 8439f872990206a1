import { SluiceError, invalidOption } from '../errors.js';
import { quoteIdent, type DataFrame } from './dataframe.js';
import type { Design } from './gram.js';

/** The columns a regression reads. */
export interface DesignColumns {
  readonly featuresCol: string;
  readonly labelCol: string;
  readonly weightCol?: string | undefined;
}

/** First row (1-based, DataFrame order) where `predicate` holds, and how many rows it holds for. */
async function firstOffending(df: DataFrame, predicate: string): Promise<{ row: number; count: number } | undefined> {
  const quick = await df.session.connection.runAndReadAll(`SELECT count(*) FROM ${df.table} WHERE ${predicate}`);
  if (Number(quick.getRowsJS()[0]![0]) === 0) return undefined;
  const reader = await df.session.connection.runAndReadAll(
    `SELECT min(pos), count(*) FROM (SELECT row_number() OVER (ORDER BY __rid) AS pos, * FROM ${df.table}) WHERE ${predicate}`,
  );
  const [row, count] = reader.getRowsJS()[0]!;
  return Number(count) === 0 ? undefined : { row: Number(row), count: Number(count) };
}

/**
 * Reads features, label and weight into typed arrays, refusing null labels, null or ragged feature
 * vectors and negative weights with a message that names the column, the row and the fix.
 */
export async function readDesign(df: DataFrame, cols: DesignColumns): Promise<Design> {
  const features = df.field(cols.featuresCol);
  if (features.type !== 'vector') {
    throw invalidOption('featuresCol', cols.featuresCol, `column ${JSON.stringify(features.name)} is ${features.type}; assemble a vector column first with VectorAssembler`);
  }
  const label = df.field(cols.labelCol);
  if (label.type === 'string' || label.type === 'vector') {
    throw invalidOption('labelCol', cols.labelCol, `column ${JSON.stringify(label.name)} is ${label.type}; use a numeric label column`);
  }
  const f = quoteIdent(features.name);
  const l = quoteIdent(label.name);
  const nullLabel = await firstOffending(df, `${l} IS NULL OR isnan(CAST(${l} AS DOUBLE))`);
  if (nullLabel !== undefined) {
    throw new SluiceError(
      `Label column ${JSON.stringify(label.name)} is null or NaN in ${nullLabel.count} row(s), first at row ${nullLabel.row}; linear regression needs a label on every row. Fix: filter them out first, e.g. df.filter("${label.name} IS NOT NULL").`,
      { domain: 'user', code: 'NullLabel' },
    );
  }
  const nullFeatures = await firstOffending(df, `${f} IS NULL`);
  if (nullFeatures !== undefined) {
    throw new SluiceError(`Features column ${JSON.stringify(features.name)} is null in ${nullFeatures.count} row(s), first at row ${nullFeatures.row}. Fix: assemble with handleInvalid "skip" or filter the rows.`, {
      domain: 'user',
      code: 'NullFeatures',
    });
  }
  const sizes = await df.session.connection.runAndReadAll(`SELECT min(len(${f})), max(len(${f})), count(*) FROM ${df.table}`);
  const [minLen, maxLen, count] = sizes.getRowsJS()[0]!.map(Number) as [number, number, number];
  if (count === 0) throw invalidOption('dataset', 'empty', 'fit on a DataFrame with at least one row');
  if (minLen !== maxLen) {
    throw invalidOption('featuresCol', features.name, `feature vectors have different sizes (${minLen} to ${maxLen}); assemble them with one VectorAssembler`);
  }
  const p = maxLen;
  let weightExpr = '';
  if (cols.weightCol !== undefined && cols.weightCol !== '') {
    const wf = df.field(cols.weightCol);
    const w = quoteIdent(wf.name);
    const bad = await firstOffending(df, `${w} IS NULL OR NOT (CAST(${w} AS DOUBLE) >= 0)`);
    if (bad !== undefined) {
      throw invalidOption('weightCol', wf.name, `weights must be non-negative numbers; row ${bad.row} is null, NaN or negative (${bad.count} such rows)`);
    }
    weightExpr = `, CAST(${w} AS DOUBLE)`;
  }
  const parts = Array.from({ length: p }, (_, j) => `${f}[${j + 1}]`);
  const n = count;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const w = weightExpr === '' ? undefined : new Float64Array(n);
  // Chunk by chunk straight from DuckDB's double vectors (converting whole columns to JS arrays
  // first costs about twice as much).
  const result = await df.session.connection.stream(`SELECT ${[...parts, `CAST(${l} AS DOUBLE)`].join(', ')}${weightExpr} FROM ${df.table} ORDER BY __rid`);
  let row = 0;
  for await (const chunk of result) {
    const m = chunk.rowCount;
    if (row + m > n) throw new SluiceError('The DataFrame changed while it was being read.', { domain: 'internal', code: 'ConcurrentChange' });
    for (let j = 0; j < p; j++) {
      const vec = chunk.getColumnVector(j);
      for (let i = 0; i < m; i++) x[(row + i) * p + j] = (vec.getItem(i) as number | null) ?? NaN;
    }
    const yv = chunk.getColumnVector(p);
    for (let i = 0; i < m; i++) y[row + i] = yv.getItem(i) as number;
    if (w !== undefined) {
      const wv = chunk.getColumnVector(p + 1);
      for (let i = 0; i < m; i++) w[row + i] = wv.getItem(i) as number;
    }
    row += m;
  }
  const design: Design = w === undefined ? { n, p, x, y } : { n, p, x, y, w };
  for (let i = 0; i < n * p; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new SluiceError(`Features column ${JSON.stringify(features.name)} holds a NaN or infinite value at row ${Math.floor(i / p) + 1}, element ${(i % p) + 1}. Fix: assemble with handleInvalid "skip" instead of "keep".`, {
        domain: 'user',
        code: 'InvalidRow',
      });
    }
  }
  return design;
}
