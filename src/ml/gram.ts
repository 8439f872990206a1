/**
 * Sufficient statistics of a weighted least-squares problem, computed in two passes over the rows
 * (means first, then centred cross-products) so that large means do not cancel digits away.
 *
 * After this, every solver works on a p*p system: fitting costs one pass over the data.
 */
export interface Design {
  /** Number of rows. */
  readonly n: number;
  /** Number of features. */
  readonly p: number;
  /** Row-major features, n*p. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Instance weights, or undefined for all ones. */
  readonly w?: Float64Array;
}

export interface GramStats {
  readonly n: number;
  readonly p: number;
  /** Sum of weights. */
  readonly weightSum: number;
  /** Sum of squared weights (for Spark's unbiased weighted variance). */
  readonly weightSquareSum: number;
  readonly xMean: Float64Array;
  readonly yMean: number;
  /** Centred weighted cross-products sum w (x - xMean)(x - xMean)^T, row-major p*p. */
  readonly xxc: Float64Array;
  /** Centred sum w (x - xMean)(y - yMean). */
  readonly xyc: Float64Array;
  /** Centred sum w (y - yMean)^2. */
  readonly yyc: number;
}

export function gramStats(d: Design): GramStats {
  const { n, p, x, y, w } = d;
  let weightSum = 0;
  let weightSquareSum = 0;
  const xSum = new Float64Array(p);
  let ySum = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    weightSum += wi;
    weightSquareSum += wi * wi;
    ySum += wi * y[i]!;
    const off = i * p;
    for (let j = 0; j < p; j++) xSum[j] = xSum[j]! + wi * x[off + j]!;
  }
  const xMean = new Float64Array(p);
  for (let j = 0; j < p; j++) xMean[j] = xSum[j]! / weightSum;
  const yMean = ySum / weightSum;
  const xxc = new Float64Array(p * p);
  const xyc = new Float64Array(p);
  let yyc = 0;
  const centred = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (wi === 0) continue;
    const off = i * p;
    for (let j = 0; j < p; j++) centred[j] = x[off + j]! - xMean[j]!;
    const yc = y[i]! - yMean;
    yyc += wi * yc * yc;
    for (let j = 0; j < p; j++) {
      const wj = wi * centred[j]!;
      xyc[j] = xyc[j]! + wj * yc;
      const row = j * p;
      for (let k = j; k < p; k++) xxc[row + k] = xxc[row + k]! + wj * centred[k]!;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) xxc[j * p + k] = xxc[k * p + j]!;
  return { n, p, weightSum, weightSquareSum, xMean, yMean, xxc, xyc, yyc };
}
