/**
 * Exact rational arithmetic on BigInt, for test references computed from first principles:
 * decimal strings and doubles convert exactly, and the normal equations solve exactly.
 */
export class Q {
  private constructor(
    readonly n: bigint,
    readonly d: bigint,
  ) {}

  static of(n: bigint, d = 1n): Q {
    if (d === 0n) throw new Error('division by zero');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    return new Q(n / g, d / g);
  }

  static readonly ZERO = Q.of(0n);
  static readonly ONE = Q.of(1n);

  /** A decimal literal such as "1666.6666666" or "-3e-2", exactly. */
  static parse(s: string): Q {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
    if (m === null) throw new Error(`not a decimal: ${s}`);
    const frac = m[3] ?? '';
    let n = BigInt(`${m[2] || '0'}${frac}`);
    if (m[1] === '-') n = -n;
    let exp = -frac.length + Number(m[4] ?? '0');
    return exp >= 0 ? Q.of(n * 10n ** BigInt(exp)) : Q.of(n, 10n ** BigInt((exp = -exp)));
  }

  /** A double, exactly (every finite double is a dyadic rational). */
  static fromNumber(x: number): Q {
    if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
    if (x === 0) return Q.ZERO;
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, x);
    const bits = buf.getBigUint64(0);
    const sign = bits >> 63n === 1n ? -1n : 1n;
    const expBits = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & ((1n << 52n) - 1n);
    let exp: number;
    if (expBits === 0) exp = -1074;
    else {
      mant |= 1n << 52n;
      exp = expBits - 1075;
    }
    return exp >= 0 ? Q.of(sign * mant * (1n << BigInt(exp))) : Q.of(sign * mant, 1n << BigInt(-exp));
  }

  add(o: Q): Q {
    return Q.of(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Q): Q {
    return Q.of(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Q): Q {
    return Q.of(this.n * o.n, this.d * o.d);
  }
  div(o: Q): Q {
    return Q.of(this.n * o.d, this.d * o.n);
  }
  neg(): Q {
    return Q.of(-this.n, this.d);
  }
  abs(): Q {
    return this.n < 0n ? this.neg() : this;
  }
  sign(): number {
    return this.n === 0n ? 0 : this.n > 0n ? 1 : -1;
  }
  cmp(o: Q): number {
    return this.sub(o).sign();
  }

  /** The nearest double (correct to well under 1 ulp for test purposes). */
  toNumber(): number {
    const neg = this.n < 0n;
    let n = neg ? -this.n : this.n;
    if (n === 0n) return 0;
    // Scale so the quotient has ~70 significant bits, then divide in floating point.
    const shift = 70 - (bitLength(n) - bitLength(this.d));
    if (shift > 0) n <<= BigInt(shift);
    const q = shift > 0 ? n / this.d : n / (this.d << BigInt(-shift));
    const v = Number(q) * 2 ** -shift;
    return neg ? -v : v;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Solves A x = b exactly by Gaussian elimination (A square, non-singular). */
export function solveExact(a: Q[][], b: Q[]): Q[] {
  const k = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    while (piv < k && m[piv]![c]!.sign() === 0) piv++;
    if (piv === k) throw new Error('singular');
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c || m[r]![c]!.sign() === 0) continue;
      const f = m[r]![c]!.div(m[c]![c]!);
      for (let j = c; j <= k; j++) m[r]![j] = m[r]![j]!.sub(f.mul(m[c]![j]!));
    }
  }
  return m.map((row, i) => row[k]!.div(row[i]!));
}

/** Exact inverse of a square matrix. */
export function invertExact(a: Q[][]): Q[][] {
  const k = a.length;
  const cols = Array.from({ length: k }, (_, c) => solveExact(a, Array.from({ length: k }, (_, r) => (r === c ? Q.ONE : Q.ZERO))));
  return Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => cols[c]![r]!));
}

/** |a - b| <= tol * max(|b|, floor): relative comparison with an absolute floor. */
export function relClose(a: number, b: number, tol: number, floor = 1e-300): boolean {
  return Math.abs(a - b) <= tol * Math.max(Math.abs(b), floor);
}
