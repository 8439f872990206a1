import { SluiceError } from '../errors.js';
import { quoteIdent, type DataFrame } from './dataframe.js';
import type { Design } from './gram.js';
import type { LinearRegressionModel } from './linear-regression-model.js';
import { regressionMetrics, type RegressionMetrics } from './regression-metrics.js';
import type { SolveMethod } from './solver.js';
import { studentTTwoSidedP } from './student-t.js';

/**
 * Spark's `LinearRegressionSummary`: metrics of a model on a dataset. Standard errors, t-values
 * and p-values exist only for a training summary from the normal solver without an L1 penalty
 * (as in Spark, where `evaluate` and the l-bfgs / OWL-QN paths have none); they list the
 * intercept last.
 */
export class LinearRegressionSummary {
  readonly meanSquaredError: number;
  readonly rootMeanSquaredError: number;
  readonly meanAbsoluteError: number;
  readonly r2: number;
  readonly r2adj: number;
  readonly explainedVariance: number;
  readonly numInstances: number;
  readonly degreesOfFreedom: number;
  /** [min, max] of the residuals scaled by sqrt(weight). */
  readonly devianceResiduals: [number, number];

  protected constructor(
    readonly model: LinearRegressionModel,
    /** The dataset with the `prediction` column added. */
    readonly predictions: DataFrame,
    /** One column, `residuals` = label - prediction, in row order. */
    readonly residuals: DataFrame,
    metrics: RegressionMetrics,
    residualValues: Float64Array,
    weights: Float64Array | undefined,
    private readonly diagInvAtWA: Float64Array | undefined,
  ) {
    const fitIntercept = model.params.fitIntercept;
    const interceptDof = fitIntercept ? 1 : 0;
    const p = model.coefficients.length;
    this.meanSquaredError = metrics.meanSquaredError;
    this.rootMeanSquaredError = metrics.rootMeanSquaredError;
    this.meanAbsoluteError = metrics.meanAbsoluteError;
    this.r2 = metrics.r2;
    this.explainedVariance = metrics.explainedVariance;
    this.numInstances = metrics.count;
    this.degreesOfFreedom = metrics.count - p - interceptDof;
    this.r2adj = 1 - ((1 - metrics.r2) * (metrics.count - interceptDof)) / (metrics.count - p - interceptDof);
    let min = Infinity;
    let max = -Infinity;
    residualValues.forEach((r, i) => {
      const v = weights === undefined ? r : r * Math.sqrt(weights[i]!);
      if (v < min) min = v;
      if (v > max) max = v;
    });
    this.devianceResiduals = [min, max];
    let rss = 0;
    residualValues.forEach((r, i) => {
      rss += (weights === undefined ? 1 : weights[i]!) * r * r;
    });
    this.rss = weights === undefined ? metrics.meanSquaredError * metrics.count : rss;
  }

  private readonly rss: number;

  /** Builds a summary of `model` over `df` (evaluation: no standard errors). */
  static async evaluate(model: LinearRegressionModel, df: DataFrame, design: Design): Promise<LinearRegressionSummary> {
    const parts = await computeParts(model, df, design);
    return new LinearRegressionSummary(model, parts.predictions, parts.residuals, parts.metrics, parts.residualValues, design.w, undefined);
  }

  private unavailable(what: string): never {
    throw new SluiceError(
      `No ${what} available for this LinearRegressionModel: they exist only for the training summary of the normal solver without an L1 penalty (solver "auto" or "normal", and regParam 0 or elasticNetParam 0). Fix: refit with those settings.`,
      { domain: 'user', code: 'Unsupported' },
    );
  }

  /** Standard errors of the coefficients, then of the intercept. */
  get coefficientStandardErrors(): number[] {
    if (this.diagInvAtWA === undefined) this.unavailable('standard errors');
    const sigma2 = this.rss / this.degreesOfFreedom;
    return Array.from(this.diagInvAtWA, (d) => Math.sqrt(d * sigma2));
  }

  /** t statistics (estimate / standard error), intercept last. */
  get tValues(): number[] {
    if (this.diagInvAtWA === undefined) this.unavailable('t-values');
    const estimates = this.model.params.fitIntercept ? [...this.model.coefficients, this.model.intercept] : [...this.model.coefficients];
    const se = this.coefficientStandardErrors;
    return estimates.map((e, i) => e / se[i]!);
  }

  /** Two-sided p-values from Student's t with `degreesOfFreedom`, intercept last. */
  get pValues(): number[] {
    if (this.diagInvAtWA === undefined) this.unavailable('p-values');
    return this.tValues.map((t) => studentTTwoSidedP(t, this.degreesOfFreedom));
  }

  /** Every scalar as plain JSON (full precision numbers); statistics only when available. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      numInstances: this.numInstances,
      degreesOfFreedom: this.degreesOfFreedom,
      rootMeanSquaredError: this.rootMeanSquaredError,
      meanSquaredError: this.meanSquaredError,
      meanAbsoluteError: this.meanAbsoluteError,
      r2: this.r2,
      r2adj: this.r2adj,
      explainedVariance: this.explainedVariance,
      devianceResiduals: this.devianceResiduals,
    };
    if (this.diagInvAtWA !== undefined) {
      out.coefficientStandardErrors = this.coefficientStandardErrors;
      out.tValues = this.tValues;
      out.pValues = this.pValues;
    }
    return out;
  }

}

/** The training summary also carries the objective history and how it was solved. */
export class LinearRegressionTrainingSummary extends LinearRegressionSummary {
  private constructor(
    model: LinearRegressionModel,
    predictions: DataFrame,
    residuals: DataFrame,
    metrics: RegressionMetrics,
    residualValues: Float64Array,
    weights: Float64Array | undefined,
    diagInvAtWA: Float64Array | undefined,
    readonly objectiveHistory: readonly number[],
    readonly solverMethod: SolveMethod,
  ) {
    super(model, predictions, residuals, metrics, residualValues, weights, diagInvAtWA);
  }

  get totalIterations(): number {
    return this.objectiveHistory.length;
  }

  static async create(
    model: LinearRegressionModel,
    df: DataFrame,
    design: Design,
    diagInvAtWA: Float64Array | undefined,
    objectiveHistory: readonly number[],
    method: SolveMethod,
  ): Promise<LinearRegressionTrainingSummary> {
    const parts = await computeParts(model, df, design);
    return new LinearRegressionTrainingSummary(model, parts.predictions, parts.residuals, parts.metrics, parts.residualValues, design.w, diagInvAtWA, objectiveHistory, method);
  }
}

async function computeParts(model: LinearRegressionModel, df: DataFrame, design: Design) {
  const predictions = await model.transform(df);
  const label = quoteIdent(df.field(model.params.labelCol).name);
  const residuals = (await predictions.derive(`SELECT __rid, CAST(${label} AS DOUBLE) - ${quoteIdent(model.params.predictionCol)} AS residuals FROM {t} ORDER BY __rid`)).withNullable('residuals', false);
  const { n, p, x, y } = design;
  const pred = new Float64Array(n);
  const residualValues = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    pred[i] = model.predictRow(x, i * p);
    residualValues[i] = y[i]! - pred[i]!;
  }
  const metrics = regressionMetrics(pred, y, design.w, !model.params.fitIntercept);
  return { predictions, residuals, metrics, residualValues };
}
