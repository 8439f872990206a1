import { parseOptions } from '../validation.js';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { SluiceError, invalidOption } from '../errors.js';
import { quoteIdent, type DataFrame } from './dataframe.js';
import { readDesign } from './design-matrix.js';
import { linearRegressionParamsSchema, type LinearRegressionParams } from './linear-regression-params.js';
import { LinearRegressionSummary, type LinearRegressionTrainingSummary } from './linear-regression-summary.js';

/** The on-disk JSON format of a saved model (documented in docs/ml.md). */
export const MODEL_FORMAT = 'sluice.ml.LinearRegressionModel';
export const savedModelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(1),
  numFeatures: z.number().int().min(0),
  coefficients: z.array(z.number()),
  intercept: z.number(),
  params: linearRegressionParamsSchema,
});
export type SavedLinearRegressionModel = z.output<typeof savedModelSchema>;

/** A literal DuckDB parses to exactly this double. */
function doubleLiteral(v: number): string {
  return `CAST('${String(v)}' AS DOUBLE)`;
}

/**
 * Spark's `LinearRegressionModel`: prediction = (sum_j x_j * b_j, left to right) + intercept, the
 * same order of operations in TypeScript (`predict`) and in SQL (`transform`), so both agree bit
 * for bit.
 */
export class LinearRegressionModel {
  readonly coefficients: readonly number[];
  private trainingSummary: LinearRegressionTrainingSummary | undefined;

  constructor(
    coefficients: readonly number[],
    readonly intercept: number,
    readonly params: LinearRegressionParams,
  ) {
    this.coefficients = Object.freeze([...coefficients]);
  }

  get numFeatures(): number {
    return this.coefficients.length;
  }

  /** @internal attaches the training summary (fit does this once). */
  withSummary(summary: LinearRegressionTrainingSummary): this {
    this.trainingSummary = summary;
    return this;
  }

  get hasSummary(): boolean {
    return this.trainingSummary !== undefined;
  }

  /** The training summary (Spark's `model.summary`). */
  get summary(): LinearRegressionTrainingSummary {
    if (this.trainingSummary === undefined) {
      throw new SluiceError('No training summary available for this LinearRegressionModel (loaded models have none). Fix: call model.evaluate(df).', { domain: 'user', code: 'Unsupported' });
    }
    return this.trainingSummary;
  }

  predict(features: readonly number[]): number {
    if (features.length !== this.coefficients.length) {
      throw invalidOption('features', features, `give a vector of ${this.coefficients.length} numbers`);
    }
    let dot = 0;
    for (let j = 0; j < features.length; j++) dot += features[j]! * this.coefficients[j]!;
    return dot + this.intercept;
  }

  /** @internal predict for row-major design data without copying. */
  predictRow(x: Float64Array, offset: number): number {
    let dot = 0;
    for (let j = 0; j < this.coefficients.length; j++) dot += x[offset + j]! * this.coefficients[j]!;
    return dot + this.intercept;
  }

  /** SQL for the prediction of the vector column `featuresSql`. */
  predictionSql(featuresSql: string): string {
    return this.linearSql(this.coefficients.map((_, j) => `${featuresSql}[${j + 1}]`));
  }

  /**
   * A SQL expression (DuckDB dialect) that computes the prediction from numeric columns, for the
   * SQL stage of a pipeline: `SELECT *, <expr> AS prediction FROM ...`. Same operation order as
   * `predict`, so results agree bit for bit.
   */
  sqlExpression(featureCols: readonly string[]): string {
    if (featureCols.length !== this.coefficients.length) {
      throw invalidOption('featureCols', featureCols, `the model has ${this.coefficients.length} features; list exactly that many columns in the model's order`);
    }
    return this.linearSql(featureCols.map((c) => `CAST(${quoteIdent(c)} AS DOUBLE)`));
  }

  private linearSql(values: readonly string[]): string {
    if (values.length === 0) return doubleLiteral(this.intercept);
    const terms = values.map((v, j) => `${v} * ${doubleLiteral(this.coefficients[j]!)}`);
    const dot = terms.reduce((acc, t) => `(${acc} + ${t})`);
    return `(${dot} + ${doubleLiteral(this.intercept)})`;
  }

  /** Adds the `predictionCol` column. */
  async transform(df: DataFrame): Promise<DataFrame> {
    const f = df.field(this.params.featuresCol);
    if (f.type !== 'vector') throw invalidOption('featuresCol', f.name, 'assemble a vector column first with VectorAssembler');
    const out = await df.derive(`SELECT *, ${this.predictionSql(quoteIdent(f.name))} AS ${quoteIdent(this.params.predictionCol)} FROM {t} ORDER BY __rid`);
    // Spark's prediction column is a primitive double: nullable = false.
    return out.withNullable(this.params.predictionCol, false);
  }

  /** Metrics of the model on a labelled dataset (Spark's `evaluate`). */
  async evaluate(df: DataFrame): Promise<LinearRegressionSummary> {
    const design = await readDesign(df, { featuresCol: this.params.featuresCol, labelCol: this.params.labelCol, weightCol: this.params.weightCol });
    if (design.p !== this.coefficients.length) {
      throw invalidOption('featuresCol', this.params.featuresCol, `the model expects ${this.coefficients.length} features, the data has ${design.p}`);
    }
    return LinearRegressionSummary.evaluate(this, df, design);
  }

  toJSON(): SavedLinearRegressionModel {
    return { format: MODEL_FORMAT, version: 1, numFeatures: this.coefficients.length, coefficients: [...this.coefficients], intercept: this.intercept, params: this.params };
  }

  /** Writes the model as one JSON file; refuses to overwrite unless asked. */
  async save(path: string, options: { overwrite?: boolean } = {}): Promise<void> {
    if (existsSync(path) && options.overwrite !== true) {
      throw invalidOption('path', path, 'the file exists; pass { overwrite: true } or choose another path');
    }
    await writeFile(path, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }

  static fromJSON(json: unknown, source = 'model JSON'): LinearRegressionModel {
    const data = parseOptions(savedModelSchema, json, (field) => `${source} field ${field || '(root)'}`, 'save the model with model.save(path)');
    if (data.coefficients.length !== data.numFeatures) {
      throw invalidOption(`${source} field numFeatures`, data.numFeatures, 'must equal the number of coefficients');
    }
    return new LinearRegressionModel(data.coefficients, data.intercept, data.params);
  }

  static async load(path: string): Promise<LinearRegressionModel> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new SluiceError(`Cannot read model file ${path}: ${e instanceof Error ? e.message : String(e)}. Fix: give the path passed to model.save().`, { domain: 'user', code: 'InvalidOption', cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SluiceError(`Model file ${path} is not JSON. Fix: give the path passed to model.save().`, { domain: 'user', code: 'InvalidOption', cause: e });
    }
    return LinearRegressionModel.fromJSON(json, path);
  }
}
