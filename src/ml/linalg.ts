/**
 * Small dense linear algebra for the normal equations: matrices are row-major `Float64Array`s
 * of size k*k. Everything here is O(k^3) in the number of features, never in the number of rows.
 */

/** Cholesky factor L (lower, row-major) of a symmetric matrix, or `undefined` when it is not
 * numerically positive definite (a pivot below `relTol` times the largest diagonal entry). */
export function cholesky(a: Float64Array, k: number, relTol = 1e-12): Float64Array | undefined {
  const l = new Float64Array(k * k);
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * k + i]!));
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let m = 0; m < j; m++) d -= l[j * k + m]! * l[j * k + m]!;
    if (!(d > relTol * maxDiag)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      l[i * k + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L L^T x = b given the Cholesky factor. */
export function choleskySolve(l: Float64Array, k: number, b: Float64Array): Float64Array {
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i * k + m]! * z[m]!;
    z[i] = s / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * x[m]!;
    x[i] = s / l[i * k + i]!;
  }
  return x;
}

/** y = A x for a k*k row-major A. */
export function matVec(a: Float64Array, k: number, x: Float64Array): Float64Array {
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += a[i * k + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** Solves A x = b by Cholesky plus `refinements` steps of iterative refinement, which recovers
 * the digits the factorisation loses to rounding (the residual is the exact measure of error). */
export function solveSpd(a: Float64Array, k: number, b: Float64Array, refinements = 2): { x: Float64Array; l: Float64Array } | undefined {
  const l = cholesky(a, k);
  if (l === undefined) return undefined;
  const x = choleskySolve(l, k, b);
  for (let r = 0; r < refinements; r++) {
    const ax = matVec(a, k, x);
    const res = new Float64Array(k);
    for (let i = 0; i < k; i++) res[i] = b[i]! - ax[i]!;
    const dx = choleskySolve(l, k, res);
    for (let i = 0; i < k; i++) x[i] = x[i]! + dx[i]!;
  }
  return { x, l };
}

/** Inverse of an SPD matrix from its Cholesky factor. */
export function choleskyInverse(l: Float64Array, k: number): Float64Array {
  const inv = new Float64Array(k * k);
  const e = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    e.fill(0);
    e[c] = 1;
    const col = choleskySolve(l, k, e);
    for (let r = 0; r < k; r++) inv[r * k + c] = col[r]!;
  }
  return inv;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(values) V^T. */
export function symmetricEigen(a: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) off += m[i * k + j]! * m[i * k + j]!;
    if (off < 1e-300) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q]!;
        if (apq === 0) continue;
        const app = m[p * k + p]!;
        const aqq = m[q * k + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const mrp = m[r * k + p]!;
          const mrq = m[r * k + q]!;
          m[r * k + p] = c * mrp - s * mrq;
          m[r * k + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < k; r++) {
          const mpr = m[p * k + r]!;
          const mqr = m[q * k + r]!;
          m[p * k + r] = c * mpr - s * mqr;
          m[q * k + r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p]!;
          const vrq = v[r * k + q]!;
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = m[i * k + i]!;
  return { values, vectors: v };
}

/** Minimum-norm least-squares solution of A x = b for a symmetric positive semi-definite A
 * (the rank-deficient fallback): eigenvalues below `relTol * max` are treated as zero. */
export function pseudoInverseSolve(a: Float64Array, k: number, b: Float64Array, relTol = 1e-12): Float64Array {
  const { values, vectors } = symmetricEigen(a, k);
  let max = 0;
  for (const ev of values) max = Math.max(max, Math.abs(ev));
  const x = new Float64Array(k);
  for (let e = 0; e < k; e++) {
    const ev = values[e]!;
    if (!(ev > relTol * max)) continue;
    let proj = 0;
    for (let i = 0; i < k; i++) proj += vectors[i * k + e]! * b[i]!;
    const coef = proj / ev;
    for (let i = 0; i < k; i++) x[i] = x[i]! + coef * vectors[i * k + e]!;
  }
  return x;
}
