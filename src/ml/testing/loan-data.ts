import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Q } from './rational.js';

/** The loan-prediction CSV shared with the other seeds (never copied into the repo). */
export const LOAN_CSV = fileURLToPath(new URL('../../../../shared/data/loan-prediction-train.csv', import.meta.url));

/**
 * The tutorial's regression data parsed by hand (independently of DuckDB): rows with a
 * LoanAmount, features ApplicantIncome and CoapplicantIncome, as exact rationals and as doubles.
 */
export function loanRegressionData(): { xq: Q[][]; yq: Q[]; x: number[][]; y: number[] } {
  const lines = readFileSync(LOAN_CSV, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const ai = header.indexOf('ApplicantIncome');
  const ci = header.indexOf('CoapplicantIncome');
  const li = header.indexOf('LoanAmount');
  const xq: Q[][] = [];
  const yq: Q[] = [];
  const x: number[][] = [];
  const y: number[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[li] === '' || f[ai] === '' || f[ci] === '') continue;
    xq.push([Q.parse(f[ai]!), Q.parse(f[ci]!)]);
    yq.push(Q.parse(f[li]!));
    x.push([Number(f[ai]), Number(f[ci])]);
    y.push(Number(f[li]));
  }
  return { xq, yq, x, y };
}
