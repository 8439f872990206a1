import { describe, expect, it } from 'vitest';
import { gramStats, type Design } from './gram.js';
import { regressionMetrics } from './regression-metrics.js';
import { solveLinearRegression, type SolverParams } from './solver.js';
import { loanRegressionData } from './testing/loan-data.js';
import { Q, relClose } from './testing/rational.js';
import { exactElasticNet, exactOls, exactStats, sqrtQ } from './testing/reference.js';

const defaults: SolverParams = { regParam: 0, elasticNetParam: 0, fitIntercept: true, standardization: true, solver: 'auto', maxIter: 100 };

function design(x: number[][], y: number[], w?: number[]): Design {
  const p = x[0]!.length;
  const flat = new Float64Array(x.length * p);
  x.forEach((r, i) => r.forEach((v, j) => (flat[i * p + j] = v)));
  return w === undefined ? { n: x.length, p, x: flat, y: Float64Array.from(y) } : { n: x.length, p, x: flat, y: Float64Array.from(y), w: Float64Array.from(w) };
}

function fit(x: number[][], y: number[], params: Partial<SolverParams> = {}, w?: number[]) {
  return solveLinearRegression(gramStats(design(x, y, w)), { ...defaults, ...params });
}

function predictAll(x: number[][], b: ArrayLike<number>, b0: number): Float64Array {
  return Float64Array.from(x, (r) => r.reduce((s, v, j) => s + v * b[j]!, 0) + b0);
}

const loan = loanRegressionData();

describe('OLS against exact rational normal equations', () => {
  it('recovers an exact linear law with zero residuals', () => {
    const x = [[1, 2], [2, 1], [3, 5], [4, 3], [5, 6], [7, 1]];
    const y = x.map(([a, b]) => 3 + 2 * a! - b!);
    const r = fit(x, y);
    expect(r.coefficients[0]).toBeCloseTo(2, 13);
    expect(r.coefficients[1]).toBeCloseTo(-1, 13);
    expect(r.intercept).toBeCloseTo(3, 12);
  });

  it('matches the exact solution on small integer data, coefficients and standard-error diagonal', () => {
    const x = [[1, 4], [2, 1], [3, 7], [4, 2], [5, 5], [6, 9], [7, 3]];
    const y = [3, 1, 8, 2, 9, 13, 4];
    const ref = exactOls(x.map((r) => r.map((v) => Q.of(BigInt(v)))), y.map((v) => Q.of(BigInt(v))));
    const r = fit(x, y);
    ref.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-13)).toBe(true));
    expect(relClose(r.intercept, ref.intercept.toNumber(), 1e-13)).toBe(true);
    ref.diagInv.forEach((d, j) => expect(relClose(r.diagInvAtWA![j]!, d.toNumber(), 1e-12)).toBe(true));
  });

  it('matches the exact solution and every metric on the loan data (592 rows) to 1e-9', () => {
    const ref = exactOls(loan.xq, loan.yq);
    const r = fit(loan.x, loan.y);
    ref.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-11)).toBe(true));
    expect(relClose(r.intercept, ref.intercept.toNumber(), 1e-11)).toBe(true);

    // Exact metrics from exact predictions.
    const n = loan.yq.length;
    const predQ = loan.xq.map((row) => row.reduce((s, v, j) => s.add(v.mul(ref.b[j]!)), ref.intercept));
    const resQ = loan.yq.map((y, i) => y.sub(predQ[i]!));
    const nQ = Q.of(BigInt(n));
    let sse = Q.ZERO;
    let sae = Q.ZERO;
    let ybar = Q.ZERO;
    for (const v of loan.yq) ybar = ybar.add(v);
    ybar = ybar.div(nQ);
    let sst = Q.ZERO;
    let ssreg = Q.ZERO;
    resQ.forEach((e, i) => {
      sse = sse.add(e.mul(e));
      sae = sae.add(e.abs());
      const d = loan.yq[i]!.sub(ybar);
      sst = sst.add(d.mul(d));
      const pr = predQ[i]!.sub(ybar);
      ssreg = ssreg.add(pr.mul(pr));
    });
    const m = regressionMetrics(predictAll(loan.x, r.coefficients, r.intercept), Float64Array.from(loan.y), undefined, false);
    expect(relClose(m.meanSquaredError, sse.div(nQ).toNumber(), 1e-9)).toBe(true);
    expect(relClose(m.meanAbsoluteError, sae.div(nQ).toNumber(), 1e-9)).toBe(true);
    expect(relClose(m.r2, Q.ONE.sub(sse.div(sst)).toNumber(), 1e-9)).toBe(true);
    expect(relClose(m.explainedVariance, ssreg.div(nQ).toNumber(), 1e-9)).toBe(true);
    // Standard errors: sigma^2 = SSE / (n - p - 1), se = sqrt(sigma^2 * diag).
    const sigma2 = sse.div(Q.of(BigInt(n - 3)));
    ref.diagInv.forEach((d, j) => {
      const se = Math.sqrt(sigma2.mul(d).toNumber());
      const ours = Math.sqrt(r.diagInvAtWA![j]! * m.meanSquaredError * n / (n - 3));
      expect(relClose(ours, se, 1e-9)).toBe(true);
    });
  });

  it('weights act like repeated rows (weight 2 = the row twice)', () => {
    const x = [[1, 4], [2, 1], [3, 7], [4, 2], [5, 5], [6, 9]];
    const y = [3, 1, 8, 2, 9, 13];
    const w = [1, 2, 1, 3, 1, 2];
    const rep = x.flatMap((r, i) => Array.from({ length: w[i]! }, () => r));
    const repY = y.flatMap((v, i) => Array.from({ length: w[i]! }, () => v));
    const a = fit(x, y, {}, w);
    const b = fit(rep, repY);
    a.coefficients.forEach((c, j) => expect(relClose(c, b.coefficients[j]!, 1e-12)).toBe(true));
    expect(relClose(a.intercept, b.intercept, 1e-12)).toBe(true);
    const ref = exactOls(x.map((r) => r.map((v) => Q.of(BigInt(v)))), y.map((v) => Q.of(BigInt(v))), w.map((v) => Q.of(BigInt(v))));
    ref.diagInv.forEach((d, j) => expect(relClose(a.diagInvAtWA![j]!, d.toNumber(), 1e-12)).toBe(true));
  });

  it('without an intercept matches the exact regression through the origin', () => {
    const x = [[1, 4], [2, 1], [3, 7], [4, 2], [5, 5]];
    const y = [3, 1, 8, 2, 9];
    const xq = x.map((r) => r.map((v) => Q.of(BigInt(v))));
    const s = exactStats(xq, y.map((v) => Q.of(BigInt(v))), undefined, false);
    const ref = exactElasticNet(s, [Q.ZERO, Q.ZERO], [Q.ZERO, Q.ZERO], [1, 1])!;
    const r = fit(x, y, { fitIntercept: false });
    ref.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-13)).toBe(true));
    expect(r.intercept).toBe(0);
  });

  it('falls back to the minimum-norm solution when a column is duplicated', () => {
    const x = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]];
    const y = [2, 4, 5, 4, 5];
    const r = fit(x, y);
    expect(r.method).toBe('pseudo-inverse');
    expect(r.diagInvAtWA).toBeUndefined();
    // Single-column OLS slope is 0.6; min-norm splits it equally.
    expect(r.coefficients[0]).toBeCloseTo(0.3, 12);
    expect(r.coefficients[1]).toBeCloseTo(0.3, 12);
    expect(r.intercept).toBeCloseTo(2.2, 12);
  });

  it('a constant label gives zero coefficients and the mean as intercept', () => {
    const r = fit([[1, 2], [3, 1], [2, 2]], [7, 7, 7]);
    expect(Array.from(r.coefficients)).toEqual([0, 0]);
    expect(r.intercept).toBe(7);
  });
});

/** Spark's penalty weights in original units: l1_j = lambda alpha s_j, l2_j = lambda (1-alpha) s_j^2 / yStd. */
function penalties(lambda: Q, alpha: Q, s: Q[], yStd: Q): { l1: Q[]; l2: Q[] } {
  return {
    l1: s.map((sj) => lambda.mul(alpha).mul(sj)),
    l2: s.map((sj) => lambda.mul(Q.ONE.sub(alpha)).mul(sj).mul(sj).div(yStd)),
  };
}

describe('elastic net against the exact optimum (KKT proven in rational arithmetic)', () => {
  const stats = exactStats(loan.xq, loan.yq, undefined, true);
  const sigma = stats.xVar.map(sqrtQ);
  const yStd = sqrtQ(stats.yVar);
  for (const standardization of [true, false]) {
    for (const alpha of [0, 0.8, 1]) {
      it(`regParam 0.3, elasticNetParam ${alpha}, standardization ${standardization}`, () => {
        const r = fit(loan.x, loan.y, { regParam: 0.3, elasticNetParam: alpha, standardization });
        const s = standardization ? sigma : sigma.map(() => Q.ONE);
        const { l1, l2 } = penalties(Q.parse('0.3'), Q.fromNumber(alpha), s, yStd);
        const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients));
        expect(ref, 'active set and signs of the solution must be the exact optimum').toBeDefined();
        ref!.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-9), `b${j}`).toBe(true));
        expect(relClose(r.intercept, ref!.intercept.toNumber(), 1e-9)).toBe(true);
      });
    }
  }

  it('lasso zeroes every coefficient exactly from lambda_max = max |g_j| / (W s_j) on, and not below', () => {
    const lambdaMax = Math.max(...stats.gy.map((g, j) => g.abs().div(stats.w).div(sigma[j]!).toNumber()));
    const above = fit(loan.x, loan.y, { regParam: lambdaMax * (1 + 1e-9), elasticNetParam: 1 });
    expect(Array.from(above.coefficients)).toEqual([0, 0]);
    expect(above.intercept).toBeCloseTo(stats.yMean.toNumber(), 10);
    const below = fit(loan.x, loan.y, { regParam: lambdaMax * 0.9, elasticNetParam: 1 });
    expect(below.coefficients.some((c) => c !== 0)).toBe(true);
  });

  it('ridge shrinks the standardized coefficient norm monotonically toward zero', () => {
    let prev = Infinity;
    for (const lambda of [0, 0.1, 1, 10, 100, 1e4]) {
      const r = fit(loan.x, loan.y, { regParam: lambda, elasticNetParam: 0 });
      const norm = Math.hypot(...Array.from(r.coefficients, (c, j) => c * r.featuresStd[j]!));
      expect(norm).toBeLessThan(prev);
      prev = norm;
    }
    expect(prev).toBeLessThan(1);
  });

  it('the l-bfgs solver uses sample (unbiased) standard deviations, as Spark does on that path', () => {
    const r = fit(loan.x, loan.y, { regParam: 0.3, elasticNetParam: 0.5, solver: 'l-bfgs' });
    const n = Q.of(BigInt(loan.y.length));
    const unbias = n.div(n.sub(Q.ONE));
    const s = stats.xVar.map((v) => sqrtQ(v.mul(unbias)));
    const { l1, l2 } = penalties(Q.parse('0.3'), Q.parse('0.5'), s, sqrtQ(stats.yVar.mul(unbias)));
    const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients));
    expect(ref).toBeDefined();
    ref!.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-9)).toBe(true));
    expect(r.diagInvAtWA).toBeUndefined();
  });
});

describe('more exact references: weights, no intercept, no-intercept standard errors', () => {
  const weightsN = loan.y.map((_, i) => (i % 3) + 1);
  const weightsQ = weightsN.map((w) => Q.of(BigInt(w)));
  for (const alpha of [0, 0.8, 1]) {
    it(`weighted elastic net (weights 1,2,3,...), elasticNetParam ${alpha}`, () => {
      const stats = exactStats(loan.xq, loan.yq, weightsQ, true);
      const r = fit(loan.x, loan.y, { regParam: 0.3, elasticNetParam: alpha }, weightsN);
      const { l1, l2 } = penalties(Q.parse('0.3'), Q.fromNumber(alpha), stats.xVar.map(sqrtQ), sqrtQ(stats.yVar));
      const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients));
      expect(ref).toBeDefined();
      ref!.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-9)).toBe(true));
      expect(relClose(r.intercept, ref!.intercept.toNumber(), 1e-9)).toBe(true);
    });
    it(`elastic net without an intercept, elasticNetParam ${alpha}`, () => {
      const stats = exactStats(loan.xq, loan.yq, undefined, false);
      const r = fit(loan.x, loan.y, { regParam: 0.3, elasticNetParam: alpha, fitIntercept: false });
      const { l1, l2 } = penalties(Q.parse('0.3'), Q.fromNumber(alpha), stats.xVar.map(sqrtQ), sqrtQ(stats.yVar));
      const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients));
      expect(ref).toBeDefined();
      ref!.b.forEach((b, j) => expect(relClose(r.coefficients[j]!, b.toNumber(), 1e-9)).toBe(true));
      expect(r.intercept).toBe(0);
    });
  }

  it('the standard-error diagonal without an intercept is diag((X^T X)^-1)', () => {
    const stats = exactStats(loan.xq, loan.yq, undefined, false);
    const r = fit(loan.x, loan.y, { fitIntercept: false });
    const det = stats.g[0]![0]!.mul(stats.g[1]![1]!).sub(stats.g[0]![1]!.mul(stats.g[1]![0]!));
    const inv = [stats.g[1]![1]!.div(det), stats.g[0]![0]!.div(det)];
    expect(r.diagInvAtWA).toHaveLength(2);
    inv.forEach((d, j) => expect(relClose(r.diagInvAtWA![j]!, d.toNumber(), 1e-11)).toBe(true));
  });

  it('ridge standard errors use the penalised matrix, as Spark WeightedLeastSquares does', () => {
    const stats = exactStats(loan.xq, loan.yq, undefined, true);
    const sigma = stats.xVar.map(sqrtQ);
    const yStd = sqrtQ(stats.yVar);
    const r = fit(loan.x, loan.y, { regParam: 0.3 });
    // (G + W * lambda / yStd * diag(sigma^2))^-1 for the coefficients (centred, so the intercept decouples).
    const lam = Q.parse('0.3').div(yStd);
    const a = stats.g.map((row, j) => row.map((v, k) => (j === k ? v.add(stats.w.mul(lam).mul(sigma[j]!).mul(sigma[j]!)) : v)));
    const det = a[0]![0]!.mul(a[1]![1]!).sub(a[0]![1]!.mul(a[1]![0]!));
    expect(relClose(r.diagInvAtWA![0]!, a[1]![1]!.div(det).toNumber(), 1e-10)).toBe(true);
    expect(relClose(r.diagInvAtWA![1]!, a[0]![0]!.div(det).toNumber(), 1e-10)).toBe(true);
  });
});

/** Exact MSE, MAE, r2 and explained variance of the exact model b, b0 on the loan rows. */
function exactMetrics(b: Q[], b0: Q): { mse: number; mae: number; r2: number; ev: number } {
  const n = Q.of(BigInt(loan.yq.length));
  let ybar = Q.ZERO;
  for (const v of loan.yq) ybar = ybar.add(v);
  ybar = ybar.div(n);
  let sse = Q.ZERO;
  let sae = Q.ZERO;
  let sst = Q.ZERO;
  let ssreg = Q.ZERO;
  loan.xq.forEach((row, i) => {
    const pred = row.reduce((s, v, j) => s.add(v.mul(b[j]!)), b0);
    const e = loan.yq[i]!.sub(pred);
    sse = sse.add(e.mul(e));
    sae = sae.add(e.abs());
    const d = loan.yq[i]!.sub(ybar);
    sst = sst.add(d.mul(d));
    const pr = pred.sub(ybar);
    ssreg = ssreg.add(pr.mul(pr));
  });
  return { mse: sse.div(n).toNumber(), mae: sae.div(n).toNumber(), r2: Q.ONE.sub(sse.div(sst)).toNumber(), ev: ssreg.div(n).toNumber() };
}

describe('elastic net metrics against exact metrics of the exact optimum', () => {
  const stats = exactStats(loan.xq, loan.yq, undefined, true);
  for (const alpha of [0, 0.8, 1]) {
    it(`regParam 0.3, elasticNetParam ${alpha}: MSE, RMSE, MAE, r2, explainedVariance to 1e-9`, () => {
      const r = fit(loan.x, loan.y, { regParam: 0.3, elasticNetParam: alpha });
      const { l1, l2 } = penalties(Q.parse('0.3'), Q.fromNumber(alpha), stats.xVar.map(sqrtQ), sqrtQ(stats.yVar));
      const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients))!;
      const e = exactMetrics(ref.b, ref.intercept);
      const m = regressionMetrics(predictAll(loan.x, r.coefficients, r.intercept), Float64Array.from(loan.y), undefined, false);
      expect(relClose(m.meanSquaredError, e.mse, 1e-9)).toBe(true);
      expect(relClose(m.rootMeanSquaredError, Math.sqrt(e.mse), 1e-9)).toBe(true);
      expect(relClose(m.meanAbsoluteError, e.mae, 1e-9)).toBe(true);
      expect(relClose(m.r2, e.r2, 1e-9)).toBe(true);
      expect(relClose(m.explainedVariance, e.ev, 1e-9)).toBe(true);
    });
  }
});

describe('elastic net on nearly collinear features (slow coordinate descent)', () => {
  const x = Array.from({ length: 40 }, (_, i) => [i + 1, i + 1 + ((i * 7) % 5) - 2, (i * 13) % 11]);
  const y = x.map(([a, b, c], i) => 2 * a! - b! + 0.5 * c! + ((i * 17) % 7) - 3);
  const xq = x.map((r) => r.map((v) => Q.of(BigInt(v))));
  const yq = y.map((v) => Q.fromNumber(v));
  const stats = exactStats(xq, yq, undefined, true);
  for (const [lambda, alpha] of [[0.05, 1], [0.5, 0.5], [2, 1], [0.01, 0.8]] as const) {
    it(`regParam ${lambda}, elasticNetParam ${alpha}`, () => {
      const r = fit(x, y, { regParam: lambda, elasticNetParam: alpha });
      const { l1, l2 } = penalties(Q.fromNumber(lambda), Q.fromNumber(alpha), stats.xVar.map(sqrtQ), sqrtQ(stats.yVar));
      const ref = exactElasticNet(stats, l1, l2, Array.from(r.coefficients));
      expect(ref).toBeDefined();
      ref!.b.forEach((b, j) => expect(Math.abs(r.coefficients[j]! - b.toNumber())).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(b.toNumber()), 1e-12)));
    });
  }
});

describe('properties', () => {
  it('with an intercept, residuals sum to zero and r2 is in [0, 1]', () => {
    for (const [lambda, alpha] of [[0, 0], [0.3, 0], [0.3, 1], [5, 0.5]] as const) {
      const r = fit(loan.x, loan.y, { regParam: lambda, elasticNetParam: alpha });
      const pred = predictAll(loan.x, r.coefficients, r.intercept);
      let sum = 0;
      let abs = 0;
      pred.forEach((p, i) => {
        sum += loan.y[i]! - p;
        abs += Math.abs(loan.y[i]! - p);
      });
      expect(Math.abs(sum) / abs).toBeLessThan(1e-12);
      const m = regressionMetrics(pred, Float64Array.from(loan.y), undefined, false);
      expect(m.r2).toBeGreaterThanOrEqual(0);
      expect(m.r2).toBeLessThanOrEqual(1);
    }
  });
});
