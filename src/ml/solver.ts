import { SluiceError } from '../errors.js';
import type { GramStats } from './gram.js';
import { choleskyInverse, pseudoInverseSolve, solveSpd } from './linalg.js';

/** The three solvers Spark's LinearRegression accepts. */
export const Solver = { auto: 'auto', normal: 'normal', lbfgs: 'l-bfgs' } as const;
export type Solver = (typeof Solver)[keyof typeof Solver];

/** Spark's WeightedLeastSquares.MAX_NUM_FEATURES: `auto` uses the normal equations up to this. */
export const MAX_NORMAL_FEATURES = 4096;

export interface SolverParams {
  readonly regParam: number;
  readonly elasticNetParam: number;
  readonly fitIntercept: boolean;
  readonly standardization: boolean;
  readonly solver: Solver;
  readonly maxIter: number;
}

/** How the optimum was reached, for the summary and the docs. */
export type SolveMethod = 'cholesky' | 'pseudo-inverse' | 'coordinate-descent' | 'constant-label';

export interface SolveResult {
  readonly coefficients: Float64Array;
  readonly intercept: number;
  /** Diagonal of (A^T W A + penalty)^-1, intercept last; undefined when Spark has none. */
  readonly diagInvAtWA: Float64Array | undefined;
  readonly objectiveHistory: number[];
  readonly method: SolveMethod;
  /** Standard deviations used for standardization (population for normal/auto, sample for l-bfgs). */
  readonly featuresStd: Float64Array;
  readonly labelStd: number;
}

/**
 * Minimises Spark's LinearRegression objective, in original units:
 *
 *   1/(2W) sum_i w_i (y_i - x_i.b - b0)^2 + regParam * alpha * sum_j s_j |b_j|
 *     + regParam * (1 - alpha) / (2 * yStd) * sum_j (s_j b_j)^2
 *
 * with s_j = std(x_j) when `standardization` is on, else 1 (the glmnet parametrisation Spark uses
 * by standardizing the label: see docs/ml.md for the derivation). The work happens on the
 * standardized p*p system: a Cholesky solve without L1, coordinate descent with L1.
 */
export function solveLinearRegression(stats: GramStats, params: SolverParams): SolveResult {
  const { p, weightSum: wSum } = stats;
  const lambda = params.regParam;
  const alpha = params.elasticNetParam;
  // Spark's normal solver (WeightedLeastSquares) uses population variances; its l-bfgs path uses
  // the summarizer's unbiased weighted variance. Reproduce whichever path was asked for.
  // Spark's auto solver takes the l-bfgs path above 4096 features (WeightedLeastSquares' limit).
  const lbfgsPath = params.solver === 'l-bfgs' || (params.solver === 'auto' && p > MAX_NORMAL_FEATURES);
  const denom = lbfgsPath ? wSum - stats.weightSquareSum / wSum : wSum;
  const featuresStd = new Float64Array(p);
  for (let j = 0; j < p; j++) featuresStd[j] = Math.sqrt(Math.max(stats.xxc[j * p + j]! / denom, 0));
  const rawYStd = Math.sqrt(Math.max(stats.yyc / denom, 0));

  if (rawYStd === 0 && (params.fitIntercept || stats.yMean === 0)) {
    return {
      coefficients: new Float64Array(p),
      intercept: params.fitIntercept ? stats.yMean : 0,
      diagInvAtWA: undefined,
      objectiveHistory: [0],
      method: 'constant-label',
      featuresStd,
      labelStd: rawYStd,
    };
  }
  if (rawYStd === 0 && lambda > 0) {
    throw new SluiceError(
      'Invalid regParam: the label is constant and fitIntercept is false, so the model cannot be regularized. Fix: set regParam to 0 or fitIntercept to true.',
      { domain: 'user', code: 'InvalidOption' },
    );
  }
  const yStd = rawYStd > 0 ? rawYStd : Math.abs(stats.yMean);

  // Cross-products about the means with an intercept, about zero without one.
  const g = new Float64Array(p * p);
  const gy = new Float64Array(p);
  let yy = stats.yyc;
  for (let j = 0; j < p; j++) {
    const mj = params.fitIntercept ? 0 : stats.xMean[j]!;
    gy[j] = stats.xyc[j]! + wSum * mj * stats.yMean;
    for (let k = 0; k < p; k++) {
      const mk = params.fitIntercept ? 0 : stats.xMean[k]!;
      g[j * p + k] = stats.xxc[j * p + k]! + wSum * mj * mk;
    }
  }
  if (!params.fitIntercept) yy += wSum * stats.yMean * stats.yMean;

  // Active features: zero-variance columns get a zero coefficient, as Spark and glmnet do.
  const active: number[] = [];
  for (let j = 0; j < p; j++) if (featuresStd[j]! > 0) active.push(j);
  const k = active.length;
  // Scaled problem in beta_j = b_j * sigma_j: 1/2 beta'Q beta - q'beta + yy/(2W) + penalties.
  const q = new Float64Array(k * k);
  const qv = new Float64Array(k);
  const l1 = new Float64Array(k);
  const l2 = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const j = active[a]!;
    const sj = featuresStd[j]!;
    qv[a] = gy[j]! / (wSum * sj);
    for (let b = 0; b < k; b++) {
      const m = active[b]!;
      q[a * k + b] = g[j * p + m]! / (wSum * sj * featuresStd[m]!);
    }
    const pen = params.standardization ? 1 : 1 / sj;
    l1[a] = lambda * alpha * pen;
    l2[a] = (lambda * (1 - alpha) / yStd) * pen * pen;
  }
  const objective = (beta: Float64Array): number => {
    let v = yy / (2 * wSum);
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += q[a * k + b]! * beta[b]!;
      v += 0.5 * beta[a]! * s - qv[a]! * beta[a]! + l1[a]! * Math.abs(beta[a]!) + 0.5 * l2[a]! * beta[a]! * beta[a]!;
    }
    return v / (yStd * yStd);
  };

  const hasL1 = lambda * alpha > 0;
  let beta: Float64Array;
  let method: SolveMethod;
  let inverse: Float64Array | undefined;
  const history: number[] = [];
  if (!hasL1) {
    const a = Float64Array.from(q);
    for (let i = 0; i < k; i++) a[i * k + i] = a[i * k + i]! + l2[i]!;
    const solved = solveSpd(a, k, qv);
    if (solved !== undefined && active.length === p) {
      beta = solved.x;
      method = 'cholesky';
      if (!lbfgsPath) inverse = choleskyInverse(solved.l, k);
    } else if (solved !== undefined) {
      beta = solved.x;
      method = 'cholesky';
    } else {
      beta = pseudoInverseSolve(a, k, qv);
      method = 'pseudo-inverse';
    }
    history.push(objective(beta));
  } else {
    beta = coordinateDescent(q, qv, l1, l2, k, Math.max(1000, params.maxIter * 1000), (b) => {
      history.push(objective(b));
      // Stalled at rounding level: three sweeps without a decrease end the descent.
      const m = history.length;
      return m > 3 && history[m - 1]! >= history[m - 2]! && history[m - 2]! >= history[m - 3]! && history[m - 3]! >= history[m - 4]!;
    });
    method = 'coordinate-descent';
  }

  const coefficients = new Float64Array(p);
  for (let a = 0; a < k; a++) coefficients[active[a]!] = beta[a]! / featuresStd[active[a]!]!;
  let intercept = 0;
  if (params.fitIntercept) {
    let dot = 0;
    for (let j = 0; j < p; j++) dot += coefficients[j]! * stats.xMean[j]!;
    intercept = stats.yMean - dot;
  }

  let diagInvAtWA: Float64Array | undefined;
  if (inverse !== undefined) {
    diagInvAtWA = new Float64Array(params.fitIntercept ? p + 1 : p);
    for (let a = 0; a < k; a++) {
      const sj = featuresStd[active[a]!]!;
      diagInvAtWA[active[a]!] = inverse[a * k + a]! / (wSum * sj * sj);
    }
    if (params.fitIntercept) {
      let quad = 0;
      for (let a = 0; a < k; a++) {
        const ma = stats.xMean[active[a]!]! / featuresStd[active[a]!]!;
        for (let b = 0; b < k; b++) quad += ma * inverse[a * k + b]! * (stats.xMean[active[b]!]! / featuresStd[active[b]!]!);
      }
      diagInvAtWA[p] = 1 / wSum + quad / wSum;
    }
  }
  return { coefficients, intercept, diagInvAtWA, objectiveHistory: history, method, featuresStd, labelStd: yStd };
}

/**
 * Cyclic coordinate descent for 1/2 b'Qb - q'b + sum l1|b| + 1/2 sum l2 b^2 (Q positive
 * semi-definite with a positive diagonal), run to machine precision, then polished by an exact
 * solve on the active set with the signs fixed (accepted only if it keeps the KKT conditions).
 */
export function coordinateDescent(
  q: Float64Array,
  qv: Float64Array,
  l1: Float64Array,
  l2: Float64Array,
  k: number,
  maxSweeps: number,
  /** Called after each sweep; returning true stops the descent (e.g. when the objective stalls). */
  onSweep?: (beta: Float64Array) => boolean | void,
): Float64Array {
  const beta = new Float64Array(k);
  // grad[a] = qv[a] - (Q beta)[a], kept current as coordinates move.
  const grad = Float64Array.from(qv);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxDelta = 0;
    let maxBeta = 0;
    for (let a = 0; a < k; a++) {
      const qaa = q[a * k + a]!;
      const z = grad[a]! + qaa * beta[a]!;
      const next = softThreshold(z, l1[a]!) / (qaa + l2[a]!);
      const delta = next - beta[a]!;
      if (delta !== 0) {
        for (let b = 0; b < k; b++) grad[b] = grad[b]! - q[b * k + a]! * delta;
        beta[a] = next;
      }
      maxDelta = Math.max(maxDelta, Math.abs(delta));
      maxBeta = Math.max(maxBeta, Math.abs(next));
    }
    const stop = onSweep?.(beta) === true;
    if (stop || maxDelta <= 1e-15 * Math.max(maxBeta, 1e-300)) break;
  }
  return polishActiveSet(q, qv, l1, l2, k, beta);
}

function softThreshold(z: number, t: number): number {
  if (z > t) return z - t;
  if (z < -t) return z + t;
  return 0;
}

function polishActiveSet(q: Float64Array, qv: Float64Array, l1: Float64Array, l2: Float64Array, k: number, beta: Float64Array): Float64Array {
  const act: number[] = [];
  for (let a = 0; a < k; a++) if (beta[a] !== 0) act.push(a);
  const m = act.length;
  if (m === 0) return beta;
  const a = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const ai = act[i]!;
    rhs[i] = qv[ai]! - l1[ai]! * Math.sign(beta[ai]!);
    for (let j = 0; j < m; j++) a[i * m + j] = q[ai * k + act[j]!]!;
    a[i * m + i] = a[i * m + i]! + l2[ai]!;
  }
  const solved = solveSpd(a, m, rhs);
  if (solved === undefined) return beta;
  const candidate = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    const v = solved.x[i]!;
    if (Math.sign(v) !== Math.sign(beta[act[i]!]!)) return beta;
    candidate[act[i]!] = v;
  }
  for (let b = 0; b < k; b++) {
    if (candidate[b] !== 0) continue;
    let g = qv[b]!;
    for (let i = 0; i < m; i++) g -= q[b * k + act[i]!]! * candidate[act[i]!]!;
    if (Math.abs(g) > l1[b]! * (1 + 1e-9)) return beta;
  }
  return candidate;
}
