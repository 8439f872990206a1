import { parseOptions } from '../validation.js';
import { z } from 'zod';
import { SluiceError, invalidOption } from '../errors.js';
import { quoteIdent, type DataFrame } from './dataframe.js';

/** What to do with a row whose input column is null or NaN. */
export const HandleInvalid = { error: 'error', skip: 'skip', keep: 'keep' } as const;
export type HandleInvalid = (typeof HandleInvalid)[keyof typeof HandleInvalid];

export const vectorAssemblerOptionsSchema = z.object({
  inputCols: z.array(z.string().min(1)).min(1),
  outputCol: z.string().min(1),
  handleInvalid: z.enum(['error', 'skip', 'keep']).default('error'),
});
export type VectorAssemblerOptions = z.input<typeof vectorAssemblerOptionsSchema>;

/**
 * Spark's `VectorAssembler`: concatenates numeric (or vector) columns into one `vector` column.
 * `handleInvalid`: `error` (default) fails naming the column and row, `skip` drops rows with a
 * null or NaN input, `keep` puts NaN in the vector. Immutable: setters return a new assembler.
 *
 * @example
 * const assembler = new VectorAssembler({ inputCols: ['ApplicantIncome', 'CoapplicantIncome'], outputCol: 'features' });
 * const output = await assembler.setHandleInvalid('skip').transform(data);
 */
export class VectorAssembler {
  readonly inputCols: readonly string[];
  readonly outputCol: string;
  readonly handleInvalid: HandleInvalid;

  constructor(options: VectorAssemblerOptions) {
    const parsed = parseOptions(vectorAssemblerOptionsSchema, options, (field) => `VectorAssembler.${field}`);
    this.inputCols = parsed.inputCols;
    this.outputCol = parsed.outputCol;
    this.handleInvalid = parsed.handleInvalid;
  }

  setHandleInvalid(handleInvalid: HandleInvalid): VectorAssembler {
    return new VectorAssembler({ inputCols: [...this.inputCols], outputCol: this.outputCol, handleInvalid });
  }

  async transform(df: DataFrame): Promise<DataFrame> {
    const fields = this.inputCols.map((c) => df.field(c));
    for (const f of fields) {
      if (f.type === 'string') {
        throw invalidOption(`VectorAssembler.inputCols`, f.name, `column ${JSON.stringify(f.name)} is a string; assemble only numeric, boolean or vector columns (index strings first)`);
      }
    }
    if (df.columns.some((c) => c.toLowerCase() === this.outputCol.toLowerCase())) {
      throw invalidOption('VectorAssembler.outputCol', this.outputCol, 'choose an output column name that does not exist yet');
    }
    const invalid = (name: string, vector: boolean): string => {
      const q = quoteIdent(name);
      return vector ? `(${q} IS NULL OR list_bool_or(list_transform(${q}, x -> isnan(x))))` : `(${q} IS NULL OR isnan(CAST(${q} AS DOUBLE)))`;
    };
    const anyInvalid = fields.map((f) => invalid(f.name, f.type === 'vector')).join(' OR ');
    const part = (name: string, vector: boolean): string => {
      const q = quoteIdent(name);
      if (vector) return `CAST(${q} AS DOUBLE[])`;
      const value = this.handleInvalid === 'keep' ? `coalesce(CAST(${q} AS DOUBLE), CAST('NaN' AS DOUBLE))` : `CAST(${q} AS DOUBLE)`;
      return `[${value}]`;
    };
    const vectorExpr = `list_concat(${fields.map((f) => part(f.name, f.type === 'vector')).join(', ')})`;
    const vectorFinal = fields.length === 1 ? part(fields[0]!.name, fields[0]!.type === 'vector') : vectorExpr;
    if (this.handleInvalid === 'error') {
      const reader = await df.session.connection.runAndReadAll(
        `SELECT pos, ${fields.map((f) => `${invalid(f.name, f.type === 'vector')}`).join(', ')} FROM (SELECT row_number() OVER (ORDER BY __rid) AS pos, * FROM ${df.table}) WHERE ${anyInvalid} ORDER BY pos LIMIT 1`,
      );
      const hit = reader.getRowsJS()[0];
      if (hit !== undefined) {
        const col = fields[hit.slice(1).findIndex((v) => v === true)]!.name;
        throw new SluiceError(
          `VectorAssembler: column ${JSON.stringify(col)} is null or NaN at row ${Number(hit[0])} (1-based, in DataFrame order) and handleInvalid is "error". Fix: drop such rows first (df.filter("${col} IS NOT NULL")), or use handleInvalid "skip" to drop them or "keep" to put NaN in the vector.`,
          { domain: 'user', code: 'InvalidRow' },
        );
      }
    }
    const where = this.handleInvalid === 'skip' ? `WHERE NOT (${anyInvalid})` : '';
    return df.derive(`SELECT *, ${vectorFinal} AS ${quoteIdent(this.outputCol)} FROM {t} ${where} ORDER BY __rid`);
  }
}
