/**
 * Strictly online, tested so it can fail: score a series; score it again with every point after
 * position k replaced by noise; the scores (and everything else a detector reports) up to k must
 * be identical. A detector given the series' global min/max in advance (as NAB's HTM, CAD OSE and
 * ARTime are) fails it, which the control case below shows. Each case also saves and restores a
 * model half way and checks that it continues exactly.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from './random.js';
import { createDetector, DEFAULT_ENSEMBLE, DETECTOR_NAMES, restoreDetector } from './registry.js';
import type { Detector, DetectorState, Scored } from './types.js';

const N = 2600;
const K = 1900;

function series(seed: number, columns: number): number[][] {
  const r = new Rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(r.nextOpen())) * Math.cos(2 * Math.PI * r.next());
  return Array.from({ length: N }, (_, t) =>
    Array.from({ length: columns }, (_, c) => 20 + 5 * c + 5 * Math.sin(t / 30 + c) + g() + (t % 401 === 0 ? 25 : 0)),
  );
}

/** The same series, every point after k replaced by (wider) noise. */
function withNoiseAfter(xs: number[][], k: number, seed: number): number[][] {
  const r = new Rng(seed);
  return xs.map((row, t) => (t <= k ? row : row.map(() => -50 + 200 * r.next())));
}

const T0 = Date.UTC(2024, 0, 1);
function scoreAll(d: Detector, xs: number[][]): Scored[] {
  return xs.map((row, t) => d.update(row, T0 + t * 300_000));
}

function firstDifference(a: Scored[], b: Scored[], upTo: number): number {
  for (let i = 0; i <= upTo; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return -1;
}

/** A look-ahead cheat: divides by the series' global range, handed over in advance. */
class GivenRange implements Detector {
  readonly kind = 'given-range';
  private prev = Number.NaN;
  constructor(private readonly lo: number, private readonly hi: number) {}
  update(values: ArrayLike<number>): Scored {
    const x = (values[0]! - this.lo) / (this.hi - this.lo);
    const s = Number.isNaN(this.prev) ? 0 : Math.min(1, Math.abs(x - this.prev));
    this.prev = x;
    return { score: s, raw: s };
  }
  toState() {
    return { kind: this.kind, params: null, data: null };
  }
}

const cases: [string, string, Record<string, unknown> | undefined][] = [
  ...DETECTOR_NAMES.map((n) => [n, n, undefined] as [string, string, undefined]),
  ['likelihood(sr)', 'likelihood', { inner: { detector: 'sr' } }],
  ['likelihood(rcf + time of day, shingle 4)', 'likelihood', { inner: { detector: 'rcf', params: { numberOfTrees: 10, shingleSize: 4, timeOfDay: true, normalize: true } } }],
  ['ensemble of every family', 'ensemble', { ...DEFAULT_ENSEMBLE, members: [{ detector: 'art' }, { detector: 'cad' }, { detector: 'sr' }, { detector: 'ewma' }, { detector: 'threshold' }] }],
];

describe('no detector looks ahead', () => {
  for (const columns of [1, 2]) {
    for (const [label, name, params] of cases) {
      it(`${label}, ${columns} column(s): scores up to k do not change when every later point is noise`, () => {
        const xs = series(3 + columns, columns);
        const a = scoreAll(createDetector(name, params), xs);
        const b = scoreAll(createDetector(name, params), withNoiseAfter(xs, K, 99));
        expect(firstDifference(a, b, K)).toBe(-1);
        // the check has teeth: the noise does change the scores after k
        expect(firstDifference(a, b, N - 1)).toBeGreaterThan(K);
        // and a model saved and restored half way continues exactly (scores, explanations)
        const d = createDetector(name, params);
        scoreAll(d, xs.slice(0, 1000));
        const restored = restoreDetector(JSON.parse(JSON.stringify(d.toState())) as DetectorState);
        const rest = xs.slice(1000).map((row, t) => restored.update(row, T0 + (t + 1000) * 300_000));
        expect(firstDifference(a.slice(1000), rest, N - 1001)).toBe(-1);
      });
    }
  }

  it('control: a detector handed the global min/max in advance fails the check', () => {
    const xs = series(4, 1);
    const ys = withNoiseAfter(xs, K, 99);
    const range = (v: number[][]) => [Math.min(...v.map((r) => r[0]!)), Math.max(...v.map((r) => r[0]!))] as const;
    const a = scoreAll(new GivenRange(...range(xs)), xs);
    const b = scoreAll(new GivenRange(...range(ys)), ys);
    expect(firstDifference(a, b, K)).toBeGreaterThanOrEqual(0);
    expect(firstDifference(a, b, K)).toBeLessThan(K);
  });
});
