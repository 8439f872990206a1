import { describe, expect, it } from 'vitest';
import { logGamma, regularizedBeta, studentTTwoSidedP } from './student-t.js';

describe('Student t two-sided p-values against closed forms', () => {
  const ts = [0, 0.1, 0.5, 1, 2, 3.7, 10, 55];
  it('nu = 1 (Cauchy): p = 1 - 2 atan(t) / pi', () => {
    for (const t of ts) expect(studentTTwoSidedP(t, 1)).toBeCloseTo(1 - (2 * Math.atan(t)) / Math.PI, 14);
  });
  it('nu = 2: p = 1 - t / sqrt(2 + t^2)', () => {
    for (const t of ts) {
      const exact = 1 - t / Math.sqrt(2 + t * t);
      expect(Math.abs(studentTTwoSidedP(t, 2) - exact)).toBeLessThanOrEqual(1e-13 * Math.max(exact, 1e-3));
    }
  });
  it('nu = 3: p = 1 - (2/pi)(atan(t/sqrt3) + sqrt3 t / (3 + t^2))', () => {
    for (const t of ts) {
      const exact = 1 - (2 / Math.PI) * (Math.atan(t / Math.sqrt(3)) + (Math.sqrt(3) * t) / (3 + t * t));
      expect(Math.abs(studentTTwoSidedP(t, 3) - exact)).toBeLessThanOrEqual(1e-12 * Math.max(exact, 1e-3));
    }
  });
  it('is symmetric in t and tends to the normal tail for large nu', () => {
    expect(studentTTwoSidedP(-2.5, 7)).toBe(studentTTwoSidedP(2.5, 7));
    // P(|Z| > 1.959963984540054) = 0.05 for the standard normal.
    expect(studentTTwoSidedP(1.959963984540054, 1e7)).toBeCloseTo(0.05, 7);
  });
  it('keeps relative precision in the far tail (nu = 2 closed form 1/(t^2) asymptotics)', () => {
    const t = 1e6;
    const exact = 1 - t / Math.sqrt(2 + t * t); // suffers cancellation; use the series 1/t^2 - 3/(2t^4)
    const series = 1 / (t * t) - 1.5 / t ** 4;
    expect(exact).not.toBe(series);
    expect(Math.abs(studentTTwoSidedP(t, 2) - series) / series).toBeLessThan(1e-12);
  });
  it('logGamma and the incomplete beta match exact values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    // I_x(1, 1) = x; I_x(2, 1) = x^2; I_x(a, b) + I_{1-x}(b, a) = 1.
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBeta(0.3, 2, 1)).toBeCloseTo(0.09, 14);
    expect(regularizedBeta(0.37, 4.5, 2.25) + regularizedBeta(0.63, 2.25, 4.5)).toBeCloseTo(1, 14);
  });
});
