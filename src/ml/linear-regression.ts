import type { DataFrame } from './dataframe.js';
import { readDesign } from './design-matrix.js';
import { gramStats } from './gram.js';
import { LinearRegressionModel } from './linear-regression-model.js';
import { LinearRegressionTrainingSummary } from './linear-regression-summary.js';
import { solveLinearRegression } from './solver.js';
import { parseLinearRegressionParams, type LinearRegressionOptions, type LinearRegressionParams } from './linear-regression-params.js';

/**
 * Spark's `LinearRegression` estimator (squared-error loss). `fit` minimises
 *
 *   1/(2W) sum w_i (y_i - x_i.b - b0)^2 + regParam * (alpha * sum s_j|b_j| + (1 - alpha)/(2 yStd) * sum (s_j b_j)^2)
 *
 * which is Spark's (and glmnet's) objective with the label standardized; s_j is the feature's
 * standard deviation when `standardization` is on. See docs/ml.md for solvers and precision.
 *
 * @example
 * const lr = new LinearRegression({ labelCol: 'LoanAmount' });
 * const model = await lr.fit(trainData);
 * console.log(model.coefficients, model.intercept, model.summary.r2);
 */
export class LinearRegression {
  readonly params: LinearRegressionParams;

  constructor(options: LinearRegressionOptions = {}) {
    this.params = parseLinearRegressionParams(options);
  }

  /** A copy with some params changed (builders never mutate). */
  with(options: Partial<LinearRegressionOptions>): LinearRegression {
    return new LinearRegression({ ...this.params, ...options });
  }

  async fit(df: DataFrame): Promise<LinearRegressionModel> {
    const p = this.params;
    const design = await readDesign(df, { featuresCol: p.featuresCol, labelCol: p.labelCol, weightCol: p.weightCol });
    const solved = solveLinearRegression(gramStats(design), p);
    const model = new LinearRegressionModel(Array.from(solved.coefficients), solved.intercept, p);
    const summary = await LinearRegressionTrainingSummary.create(model, df, design, solved.diagInvAtWA, solved.objectiveHistory, solved.method);
    return model.withSummary(summary);
  }
}
