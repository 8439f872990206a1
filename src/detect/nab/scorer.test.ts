import { describe, expect, it } from 'vitest';
import { NAB_PROFILES, probationLength, rowWorths, scaledSigmoid, scoreFile, sweepCorpus } from './scorer.js';
import { windowsToRows, parseNabTime } from './corpus.js';

// A hand-made file: 20 rows, probation floor(0.15 * 20) = 3 rows, one window on rows 10..14 (w = 5).
const file = { name: 'hand.csv', length: 20, windows: [[10, 14]] as const };
const at = (rows: number[], n = 20) => Float64Array.from({ length: n }, (_, i) => (rows.includes(i) ? 1 : 0));

describe('NAB scorer', () => {
  it('has the documented sigmoid and probation', () => {
    expect(scaledSigmoid(3.5)).toBe(-1);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 5);
    expect(probationLength(20)).toBe(3);
    expect(probationLength(10_000)).toBe(750);
  });

  it('values each row as the README says', () => {
    const { worth, windowOf } = rowWorths(file, NAB_PROFILES.standard);
    expect(worth[10]).toBeCloseTo(1, 12); // earliest row of a window is worth tp
    expect(worth[12]).toBeCloseTo(0.917429, 5); // sigma(-3/5) / sigma(-1)
    expect(worth[5]).toBeCloseTo(-0.11, 12); // before any window: -fp
    expect(worth[17]).toBeCloseTo(-0.104945, 5); // sigma(3/4) * fp
    expect(worth[15]).toBeCloseTo(scaledSigmoid(1 / 4) * 0.11, 12);
    expect(windowOf[9]).toBe(-1);
    expect(windowOf[14]).toBe(0);
  });

  it('gives the documented raw score on a hand-made file', () => {
    // row 1 is in probation (ignored), row 5 is a false positive, rows 12 and 13 detect the window
    // (only the earliest counts), row 17 is a false positive just after it.
    expect(scoreFile(at([1, 5, 12, 13, 17]), file, NAB_PROFILES.standard, 0.5)).toBeCloseTo(0.702484, 5);
    // nothing detected: the window is a miss
    expect(scoreFile(at([]), file, NAB_PROFILES.reward_low_FN_rate, 0.5)).toBe(-2);
    // a false positive costs twice as much under reward_low_FP_rate
    expect(scoreFile(at([5, 10]), file, NAB_PROFILES.reward_low_FP_rate, 0.5)).toBeCloseTo(1 - 0.22, 12);
  });

  it('sweeps one corpus-wide threshold and normalises', () => {
    const a = Float64Array.from({ length: 20 }, (_, i) => (i === 10 ? 0.9 : i === 5 ? 0.5 : 0));
    const b = Float64Array.from({ length: 20 }, (_, i) => (i === 8 ? 0.7 : 0));
    const other = { name: 'b.csv', length: 20, windows: [] };
    const r = sweepCorpus(
      [
        { series: file, scores: a },
        { series: other, scores: b },
      ],
      NAB_PROFILES.standard,
    );
    expect(r.threshold).toBe(0.9);
    expect(r.raw).toBeCloseTo(1, 12);
    expect(r.nullRaw).toBe(-1);
    expect(r.normalized).toBeCloseTo(100, 9);

    // The window is only reached below a costly false positive: 1 - 0.11 beats never firing.
    const c = Float64Array.from({ length: 20 }, (_, i) => (i === 10 ? 0.6 : 0));
    const r2 = sweepCorpus(
      [
        { series: file, scores: c },
        { series: other, scores: b },
      ],
      NAB_PROFILES.standard,
    );
    expect(r2.threshold).toBe(0.6);
    expect(r2.normalized).toBeCloseTo((100 * (0.89 + 1)) / 2, 9);

    // A constant score either never fires or fires everywhere; on a long file never firing wins: 0.
    const long = { name: 'long.csv', length: 200, windows: [[100, 104]] as const };
    const r3 = sweepCorpus([{ series: long, scores: new Float64Array(200) }], NAB_PROFILES.standard);
    expect(r3.normalized).toBe(0);
    expect(r3.threshold).toBe(Number.POSITIVE_INFINITY);
  });

  it('maps timestamp windows to inclusive rows', () => {
    const ts = Float64Array.from([0, 1, 2, 3, 4], (m) => parseNabTime('2014-04-10 07:00:00') + m * 300_000);
    expect(windowsToRows(ts, [['2014-04-10 07:05:00.000000', '2014-04-10 07:15:00.000000']])).toEqual([[1, 3]]);
  });
});
