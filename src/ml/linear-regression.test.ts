import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataFrame } from './dataframe.js';
import { LinearRegression } from './linear-regression.js';
import { LinearRegressionModel } from './linear-regression-model.js';
import { createMlSession, type MlSession } from './session.js';
import { studentTTwoSidedP } from './student-t.js';
import { LOAN_CSV, loanRegressionData } from './testing/loan-data.js';
import { Q, relClose } from './testing/rational.js';
import { exactOls } from './testing/reference.js';
import { VectorAssembler } from './vector-assembler.js';

let spark: MlSession;
let raw: DataFrame;
let loanData: DataFrame;

beforeAll(async () => {
  spark = await createMlSession();
  raw = await spark.read.csv(LOAN_CSV, { header: true, inferSchema: true });
  const assembled = await new VectorAssembler({ inputCols: ['ApplicantIncome', 'CoapplicantIncome'], outputCol: 'features' })
    .setHandleInvalid('skip')
    .transform(await raw.filter('LoanAmount is not NULL'));
  loanData = await assembled.select('features', 'LoanAmount');
});
afterAll(() => spark.close());

describe('LinearRegression on DataFrames', () => {
  it('a null label fails with a message naming the column and the fix (not "Params must be either a param map")', async () => {
    const assembled = await new VectorAssembler({ inputCols: ['ApplicantIncome', 'CoapplicantIncome'], outputCol: 'features' }).transform(raw);
    await expect(new LinearRegression({ labelCol: 'LoanAmount' }).fit(assembled)).rejects.toThrow(
      /Label column "LoanAmount" is null or NaN in 22 row\(s\), first at row 1.*filter\("LoanAmount IS NOT NULL"\)/,
    );
  });

  it('fits the tutorial model: coefficients, summary and statistics agree with the exact OLS', async () => {
    const model = await new LinearRegression({ labelCol: 'LoanAmount' }).fit(loanData);
    const { xq, yq } = loanRegressionData();
    const ref = exactOls(xq, yq);
    ref.b.forEach((b, j) => expect(relClose(model.coefficients[j]!, b.toNumber(), 1e-11)).toBe(true));
    expect(relClose(model.intercept, ref.intercept.toNumber(), 1e-11)).toBe(true);
    const s = model.summary;
    expect(s.numInstances).toBe(592);
    expect(s.degreesOfFreedom).toBe(589);
    expect(s.r2adj).toBeCloseTo(1 - ((1 - s.r2) * 591) / 589, 14);
    expect(s.rootMeanSquaredError).toBe(Math.sqrt(s.meanSquaredError));
    // Standard errors from the exact inverse; t = estimate / se; p from Student t(589).
    let sse = Q.ZERO;
    xq.forEach((row, i) => {
      const e = yq[i]!.sub(row.reduce((acc, v, j) => acc.add(v.mul(ref.b[j]!)), ref.intercept));
      sse = sse.add(e.mul(e));
    });
    const se = ref.diagInv.map((d) => Math.sqrt(sse.div(Q.of(589n)).mul(d).toNumber()));
    s.coefficientStandardErrors.forEach((v, j) => expect(relClose(v, se[j]!, 1e-9)).toBe(true));
    const est = [...ref.b.map((b) => b.toNumber()), ref.intercept.toNumber()];
    s.tValues.forEach((t, j) => expect(relClose(t, est[j]! / se[j]!, 1e-9)).toBe(true));
    s.pValues.forEach((p, j) => expect(relClose(p, studentTTwoSidedP(est[j]! / se[j]!, 589), 1e-6)).toBe(true));
    // Residuals DataFrame: label - prediction, one per row, summing to ~0.
    const res = (await s.residuals.collect()).map((r) => r.residuals as number);
    expect(res).toHaveLength(592);
    const [lo, hi] = s.devianceResiduals;
    expect(Math.min(...res)).toBe(lo);
    expect(Math.max(...res)).toBe(hi);
    expect(Math.abs(res.reduce((a, b) => a + b, 0)) / res.reduce((a, b) => a + Math.abs(b), 0)).toBeLessThan(1e-12);
  });

  it('transform adds prediction equal to predict(), and evaluate has no standard errors (as in Spark)', async () => {
    const model = await new LinearRegression({ labelCol: 'LoanAmount' }).fit(loanData);
    const [, test] = await loanData.randomSplit([0.7, 0.3], 7);
    const pred = await (await model.transform(await test!.select('features'))).collect();
    for (const r of pred) expect(r.prediction).toBe(model.predict(r.features as number[]));
    const transformed = await model.transform(await test!.select('features'));
    expect(transformed.schemaString()).toBe('root\n |-- features: vector (nullable = true)\n |-- prediction: double (nullable = false)\n');
    expect((await transformed.select('prediction')).schemaString()).toContain('prediction: double (nullable = false)');
    const ev = await model.evaluate(test!);
    expect(ev.numInstances).toBe(await test!.count());
    expect(() => ev.coefficientStandardErrors).toThrow(/No standard errors/);
  });

  it('sqlExpression scores plain numeric columns in SQL, bit for bit like predict()', async () => {
    const model = await new LinearRegression({ labelCol: 'LoanAmount', regParam: 0.3, elasticNetParam: 0.8 }).fit(loanData);
    const scored = await (await raw.filter('LoanAmount IS NOT NULL')).selectExpr(
      'ApplicantIncome',
      'CoapplicantIncome',
      `${model.sqlExpression(['ApplicantIncome', 'CoapplicantIncome'])} AS prediction`,
    );
    const rows = await scored.collect();
    expect(rows).toHaveLength(592);
    for (const r of rows) expect(r.prediction).toBe(model.predict([r.ApplicantIncome as number, r.CoapplicantIncome as number]));
    expect(() => model.sqlExpression(['ApplicantIncome'])).toThrow(/the model has 2 features/);
  });

  it('elastic net with an L1 part has no standard errors; ridge does (Spark WeightedLeastSquares)', async () => {
    const lasso = await new LinearRegression({ labelCol: 'LoanAmount', regParam: 0.3, elasticNetParam: 1 }).fit(loanData);
    expect(() => lasso.summary.pValues).toThrow(/No p-values/);
    const ridge = await new LinearRegression({ labelCol: 'LoanAmount', regParam: 0.3 }).fit(loanData);
    expect(ridge.summary.coefficientStandardErrors).toHaveLength(3);
  });

  it('validates params with the option name and value', () => {
    expect(() => new LinearRegression({ elasticNetParam: 2 })).toThrow(/LinearRegression.elasticNetParam: 2/);
    expect(() => new LinearRegression({ solver: 'sgd' as never })).toThrow(/solver/);
  });

  it('save / load round-trips bit for bit and refuses bad files', async () => {
    const model = await new LinearRegression({ labelCol: 'LoanAmount', regParam: 0.3, elasticNetParam: 0.8 }).fit(loanData);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ml-'));
    const path = join(dir, 'model.json');
    await model.save(path);
    await expect(model.save(path)).rejects.toThrow(/overwrite/);
    const loaded = await LinearRegressionModel.load(path);
    expect(loaded.coefficients).toEqual(model.coefficients);
    expect(loaded.intercept).toBe(model.intercept);
    expect(loaded.params).toEqual(model.params);
    expect(() => loaded.summary).toThrow(/No training summary/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 'sluice.ml.LinearRegressionModel', version: 1, numFeatures: 3, coefficients: [1], intercept: 0, params: {} }));
    await expect(LinearRegressionModel.load(join(dir, 'bad.json'))).rejects.toThrow(/numFeatures/);
  });
});
