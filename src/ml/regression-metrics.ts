/**
 * Spark's `RegressionMetrics` (mllib.evaluation), weighted as in Spark 3:
 * - MSE = sum w (y - yhat)^2 / W, RMSE = sqrt(MSE), MAE = sum w |y - yhat| / W
 * - explainedVariance = sum w (yhat - ybar)^2 / W (Spark's current definition: SSreg / W)
 * - r2 = 1 - SSerr / SStot with SStot = unbiasedWeightedVariance(y) * (W - 1); through the
 *   origin (no intercept) r2 = 1 - SSerr / sum w y^2.
 */
export interface RegressionMetrics {
  readonly meanSquaredError: number;
  readonly rootMeanSquaredError: number;
  readonly meanAbsoluteError: number;
  readonly r2: number;
  readonly explainedVariance: number;
  readonly weightSum: number;
  readonly count: number;
}

export function regressionMetrics(
  prediction: Float64Array,
  label: Float64Array,
  weight: Float64Array | undefined,
  throughOrigin: boolean,
): RegressionMetrics {
  const n = label.length;
  let wSum = 0;
  let w2Sum = 0;
  let ySum = 0;
  for (let i = 0; i < n; i++) {
    const w = weight === undefined ? 1 : weight[i]!;
    wSum += w;
    w2Sum += w * w;
    ySum += w * label[i]!;
  }
  const yMean = ySum / wSum;
  let ssErr = 0;
  let absErr = 0;
  let m2 = 0;
  let ssReg = 0;
  let ssY = 0;
  for (let i = 0; i < n; i++) {
    const w = weight === undefined ? 1 : weight[i]!;
    const y = label[i]!;
    const err = y - prediction[i]!;
    ssErr += w * err * err;
    absErr += w * Math.abs(err);
    m2 += w * (y - yMean) * (y - yMean);
    ssReg += w * (prediction[i]! - yMean) * (prediction[i]! - yMean);
    ssY += w * y * y;
  }
  const varianceDenominator = wSum - w2Sum / wSum;
  const variance = varianceDenominator > 0 ? m2 / varianceDenominator : 0;
  const ssTot = variance * (wSum - 1);
  const mse = ssErr / wSum;
  return {
    meanSquaredError: mse,
    rootMeanSquaredError: Math.sqrt(mse),
    meanAbsoluteError: absErr / wSum,
    r2: throughOrigin ? 1 - ssErr / ssY : 1 - ssErr / ssTot,
    explainedVariance: ssReg / wSum,
    weightSum: wSum,
    count: n,
  };
}
