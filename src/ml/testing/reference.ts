import { Q, invertExact, solveExact } from './rational.js';

/** Exact weighted sufficient statistics of a regression problem. */
export interface ExactStats {
  readonly w: Q;
  readonly xMean: Q[];
  readonly yMean: Q;
  /** Cross-products about the means (fitIntercept) or about zero. */
  readonly g: Q[][];
  readonly gy: Q[];
  /** Population variances of the features and label (always about the means). */
  readonly xVar: Q[];
  readonly yVar: Q;
}

export function exactStats(x: Q[][], y: Q[], weights: Q[] | undefined, fitIntercept: boolean): ExactStats {
  const n = y.length;
  const p = x[0]!.length;
  const wt = (i: number): Q => (weights === undefined ? Q.ONE : weights[i]!);
  let w = Q.ZERO;
  for (let i = 0; i < n; i++) w = w.add(wt(i));
  const mean = (f: (i: number) => Q): Q => {
    let s = Q.ZERO;
    for (let i = 0; i < n; i++) s = s.add(wt(i).mul(f(i)));
    return s.div(w);
  };
  const xMean = Array.from({ length: p }, (_, j) => mean((i) => x[i]![j]!));
  const yMean = mean((i) => y[i]!);
  const cx = x.map((r) => r.map((v, j) => v.sub(fitIntercept ? xMean[j]! : Q.ZERO)));
  const cy = y.map((v) => v.sub(fitIntercept ? yMean : Q.ZERO));
  const g = Array.from({ length: p }, (_, j) =>
    Array.from({ length: p }, (_, k) => {
      let s = Q.ZERO;
      for (let i = 0; i < n; i++) s = s.add(wt(i).mul(cx[i]![j]!).mul(cx[i]![k]!));
      return s;
    }),
  );
  const gy = Array.from({ length: p }, (_, j) => {
    let s = Q.ZERO;
    for (let i = 0; i < n; i++) s = s.add(wt(i).mul(cx[i]![j]!).mul(cy[i]!));
    return s;
  });
  const xVar = Array.from({ length: p }, (_, j) => mean((i) => x[i]![j]!.sub(xMean[j]!).mul(x[i]![j]!.sub(xMean[j]!))));
  const yVar = mean((i) => y[i]!.sub(yMean).mul(y[i]!.sub(yMean)));
  return { w, xMean, yMean, g, gy, xVar, yVar };
}

/** sqrt of an exact rational, rounded to a double and taken back exactly. */
export function sqrtQ(v: Q): Q {
  return Q.fromNumber(Math.sqrt(v.toNumber()));
}

/**
 * The exact minimiser of 1/(2W) sum w r^2 + sum l1_j |b_j| + 1/2 sum l2_j b_j^2 (with rational
 * penalty weights), found by trying the active set and signs of a candidate and then *proving*
 * optimality with the exact KKT conditions. Returns undefined if the guess fails the proof.
 */
export function exactElasticNet(s: ExactStats, l1: Q[], l2: Q[], guess: readonly number[]): { b: Q[]; intercept: Q } | undefined {
  const p = guess.length;
  const act = guess.map((v, j) => (v !== 0 ? j : -1)).filter((j) => j >= 0);
  const bA =
    act.length === 0
      ? []
      : solveExact(
          act.map((j) => act.map((k) => s.g[j]![k]!.div(s.w).add(j === k ? l2[j]! : Q.ZERO))),
          act.map((j) => s.gy[j]!.div(s.w).sub(l1[j]!.mul(Q.of(BigInt(Math.sign(guess[j]!)))))),
        );
  const b = Array.from({ length: p }, () => Q.ZERO);
  act.forEach((j, i) => {
    b[j] = bA[i]!;
  });
  for (const [i, j] of act.entries()) if (bA[i]!.sign() !== Math.sign(guess[j]!)) return undefined;
  for (let j = 0; j < p; j++) {
    if (act.includes(j)) continue;
    let grad = s.gy[j]!.div(s.w);
    for (const k of act) grad = grad.sub(s.g[j]![k]!.mul(b[k]!).div(s.w));
    if (grad.abs().cmp(l1[j]!) > 0) return undefined;
  }
  let dot = Q.ZERO;
  for (let j = 0; j < p; j++) dot = dot.add(b[j]!.mul(s.xMean[j]!));
  return { b, intercept: s.yMean.sub(dot) };
}

/** Exact OLS with intercept: coefficients, intercept and diag((X~^T W X~)^-1), intercept last. */
export function exactOls(x: Q[][], y: Q[], weights?: Q[]): { b: Q[]; intercept: Q; diagInv: Q[] } {
  const n = y.length;
  const p = x[0]!.length;
  const wt = (i: number): Q => (weights === undefined ? Q.ONE : weights[i]!);
  // Augmented normal equations with the intercept column last.
  const k = p + 1;
  const row = (i: number): Q[] => [...x[i]!, Q.ONE];
  const a = Array.from({ length: k }, () => Array.from({ length: k }, () => Q.ZERO));
  const rhs = Array.from({ length: k }, () => Q.ZERO);
  for (let i = 0; i < n; i++) {
    const r = row(i);
    for (let j = 0; j < k; j++) {
      rhs[j] = rhs[j]!.add(wt(i).mul(r[j]!).mul(y[i]!));
      for (let m = 0; m < k; m++) a[j]![m] = a[j]![m]!.add(wt(i).mul(r[j]!).mul(r[m]!));
    }
  }
  const sol = solveExact(a, rhs);
  const inv = invertExact(a);
  return { b: sol.slice(0, p), intercept: sol[p]!, diagInv: inv.map((r, i) => r[i]!) };
}
