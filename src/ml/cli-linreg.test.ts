import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loanRegressionData } from './testing/loan-data.js';
import { relClose } from './testing/rational.js';
import { exactOls } from './testing/reference.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const csv = '../shared/data/loan-prediction-train.csv';

describe('sluice ml linreg', () => {
  it('--json prints the OLS fit at full precision, equal to the exact reference', () => {
    const out = execFileSync(process.execPath, ['bin/sluice.js', 'ml', 'linreg', '--csv', csv, '--label', 'LoanAmount', '--features', 'ApplicantIncome,CoapplicantIncome', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SLUICE_FROM_SOURCE: '1' },
    });
    const json = JSON.parse(out) as { coefficients: number[]; intercept: number; rowsUsed: number; training: { numInstances: number; pValues: number[] } };
    const { xq, yq } = loanRegressionData();
    const ref = exactOls(xq, yq);
    expect(json.rowsUsed).toBe(592);
    expect(json.training.numInstances).toBe(592);
    json.coefficients.forEach((c, j) => expect(relClose(c, ref.b[j]!.toNumber(), 1e-11)).toBe(true));
    expect(relClose(json.intercept, ref.intercept.toNumber(), 1e-11)).toBe(true);
    expect(json.training.pValues).toHaveLength(3);
  });

  it('a bad flag value is a user error naming the flag', () => {
    const r = spawnSync(process.execPath, ['bin/sluice.js', 'ml', 'linreg', '--csv', csv, '--label', 'LoanAmount', '--features', 'ApplicantIncome', '--reg-param', 'lots'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SLUICE_FROM_SOURCE: '1' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Invalid --reg-param: "lots"/);
  });
});
