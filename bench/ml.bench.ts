/**
 * ML benchmark: linear regression on 1,000,000 rows x 10 features (OLS and elastic net), and CSV
 * reading speed. Every number is the median of several repetitions, next to a baseline measured
 * in the same run, alternating with it (ratios are medians of per-pair ratios, so machine load
 * hits both sides alike):
 * - fits: a plain loop computing the upper triangle of X^T X (the least work any one-pass normal
 *   equations solver must do);
 * - CSV: DuckDB's own `read_csv` into a table, with its type sniffing.
 *
 *   node --import tsx bench/ml.bench.ts [rows]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gramStats, type Design } from '../src/ml/gram.js';
import { LinearRegression } from '../src/ml/linear-regression.js';
import type { DataFrame } from '../src/ml/dataframe.js';
import { createMlSession } from '../src/ml/session.js';
import { solveLinearRegression, type SolverParams } from '../src/ml/solver.js';
import { VectorAssembler } from '../src/ml/vector-assembler.js';

const n = Number(process.argv[2] ?? 1_000_000);
const p = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times `base` and `subject` alternately, `reps` times each, so both see the same machine load
 * (two shared cores): medians of each, and the median of the per-pair ratios.
 */
async function paired(reps: number, base: () => unknown, subject: () => unknown): Promise<{ base: number; subject: number; ratio: number }> {
  const b: number[] = [];
  const s: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    await base();
    const tb = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await subject();
    const ts = (performance.now() - t0) / 1000;
    b.push(tb);
    s.push(ts);
    r.push(ts / tb);
  }
  return { base: median(b), subject: median(s), ratio: median(r) };
}

/** Deterministic synthetic data: y = 3 + sum_j (j+1) x_j + noise, features on different scales. */
function synthetic(): Design {
  let s = 0x2545f491;
  const rand = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let yi = 3;
    for (let j = 0; j < p; j++) {
      const v = Math.round(rand() * 1000 * (j + 1)) / 100;
      x[i * p + j] = v;
      yi += (j + 1) * v;
    }
    y[i] = Math.round((yi + (rand() - 0.5) * 50) * 100) / 100;
  }
  return { n, p, x, y };
}

function baselineXtX(d: Design): number {
  const g = new Float64Array(p * p);
  for (let i = 0; i < d.n; i++) {
    const off = i * p;
    for (let j = 0; j < p; j++) {
      const xj = d.x[off + j]!;
      for (let k = j; k < p; k++) g[j * p + k] = g[j * p + k]! + xj * d.x[off + k]!;
    }
  }
  return g[0]!;
}

const fmt = (v: number, digits = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (label: string, secs: number, extra = ''): void => {
  process.stdout.write(`${label.padEnd(46)} ${fmt(secs * 1000, 1).padStart(9)} ms  ${fmt(n / secs).padStart(12)} rows/s${extra}\n`);
};

const d = synthetic();
const base: SolverParams = { regParam: 0, elasticNetParam: 0, fitIntercept: true, standardization: true, solver: 'auto', maxIter: 100 };
process.stdout.write(`ML linear regression, ${fmt(n)} rows x ${p} features, median of 5 (in memory) / 3 (DuckDB)\n`);
const ols = await paired(5, () => baselineXtX(d), () => solveLinearRegression(gramStats(d), base));
line('baseline: plain loop X^T X (upper triangle)', ols.base);
line('OLS (two-pass centred Gram + Cholesky)', ols.subject, `  ${fmt(ols.ratio, 2)}x baseline`);
const enParams = { ...base, regParam: 0.3, elasticNetParam: 0.8 };
const en = await paired(5, () => baselineXtX(d), () => solveLinearRegression(gramStats(d), enParams));
line('elastic net regParam 0.3 alpha 0.8 (CD)', en.subject, `  ${fmt(en.ratio, 2)}x baseline`);

// CSV: write the same data once, then read it with Spark inference vs DuckDB's own reader.
const dir = mkdtempSync(join(tmpdir(), 'sluice-ml-bench-'));
const csv = join(dir, 'data.csv');
const cols = [...Array.from({ length: p }, (_, j) => `x${j}`), 'y'];
const parts: string[] = [`${cols.join(',')}\n`];
for (let i = 0; i < n; i++) {
  const row: string[] = [];
  for (let j = 0; j < p; j++) row.push(String(d.x[i * p + j]));
  row.push(String(d.y[i]));
  parts.push(`${row.join(',')}\n`);
}
writeFileSync(csv, parts.join(''));
const mb = statSync(csv).size / 1e6;
const spark = await createMlSession();
try {
  let k = 0;
  let df: DataFrame | undefined;
  const csvRun = await paired(
    3,
    async () => {
      k += 1;
      await spark.connection.run(`CREATE TABLE raw_${k} AS SELECT * FROM read_csv('${csv}', header = true)`);
      await spark.connection.run(`DROP TABLE raw_${k}`);
    },
    async () => {
      df = await spark.read.csv(csv, { header: true, inferSchema: true });
    },
  );
  const csvLine = (label: string, secs: number, extra = ''): void => {
    process.stdout.write(`${label.padEnd(46)} ${fmt(secs * 1000, 1).padStart(9)} ms  ${fmt(mb / secs, 1).padStart(9)} MB/s  ${fmt(n / secs).padStart(12)} rows/s${extra}\n`);
  };
  process.stdout.write(`CSV ${fmt(mb, 1)} MB\n`);
  csvLine('baseline: DuckDB read_csv (own sniffer)', csvRun.base);
  csvLine('read.csv header+inferSchema (Spark rules)', csvRun.subject, `  ${fmt(csvRun.ratio, 2)}x baseline`);
  const assembled = await new VectorAssembler({ inputCols: cols.slice(0, p), outputCol: 'features' }).transform(df!);
  const e2e = await paired(
    3,
    () => baselineXtX(d),
    () => new LinearRegression({ labelCol: 'y' }).fit(assembled),
  );
  line('DataFrame fit OLS end to end (read + summary)', e2e.subject, `  ${fmt(e2e.ratio, 2)}x baseline`);
} finally {
  spark.close();
  rmSync(dir, { recursive: true, force: true });
}
