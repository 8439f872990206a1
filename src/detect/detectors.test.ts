import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { erfc, logScale, normalCdf } from './likelihood.js';
import { Rng } from './random.js';
import { createDetector, restoreDetector, DETECTOR_NAMES } from './registry.js';

const rng = new Rng(21);
const gaussian = () => Math.sqrt(-2 * Math.log(rng.nextOpen())) * Math.cos(2 * Math.PI * rng.next());
const noisy = Array.from({ length: 3000 }, (_, t) => 20 + 5 * Math.sin(t / 30) + gaussian());

describe('threshold detector', () => {
  it("applies the seed's currentTemp > 100 rule", () => {
    const d = createDetector('threshold', { above: 100, learn: false });
    expect(d.update([99.9], 0).score).toBe(0);
    expect(d.update([100.1], 0).score).toBe(1);
  });

  it('flags values beyond the learned range, only after warm-up', () => {
    const d = createDetector('threshold', { warmup: 10, tolerance: 0.1 });
    expect(d.update([0], 0).score).toBe(0);
    expect(d.update([50], 0).score).toBe(0); // still warming up
    for (let i = 0; i < 20; i++) d.update([i % 11], 0);
    expect(d.update([54], 0).score).toBe(0); // inside max + 10 % of the range
    expect(d.update([60], 0).score).toBeGreaterThanOrEqual(0.5);
    expect(d.update([-100], 0).score).toBe(1);
  });
});

describe('EWMA z-score', () => {
  it('scores a jump far above noise and a typical point low', () => {
    const d = createDetector('ewma', { alpha: 0.05 });
    for (let i = 0; i < 500; i++) d.update([10 + gaussian()], 0);
    const copy = restoreDetector(JSON.parse(JSON.stringify(d.toState())));
    expect(d.update([10.3], 0).score).toBeLessThan(0.3);
    const jump = copy.update([20], 0);
    expect(jump.raw).toBeGreaterThan(6);
    expect(jump.score).toBeGreaterThan(0.6);
  });
});

describe('anomaly likelihood', () => {
  it('has a correct normal tail', () => {
    expect(erfc(0)).toBeCloseTo(1, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(logScale(1 - 1e-5)).toBeCloseTo(0.5, 3);
  });

  it('turns a burst of raw scores into a probability near 1 and holds back a second red point', () => {
    const d = createDetector('likelihood', { learningPeriod: 100, estimationSamples: 200, averagingWindow: 1, inner: { detector: 'ewma' } });
    const scores = noisy.slice(0, 1000).map((v) => d.update([v], 0));
    expect(scores.slice(0, 299).every((s) => s.raw === 0.5)).toBe(true); // still learning
    const typical = scores.slice(300).map((s) => s.raw).sort((a, b) => a - b)[350]!;
    expect(typical).toBeLessThan(0.9);
    const first = d.update([60], 0);
    expect(first.raw).toBeGreaterThan(0.99999);
    const second = d.update([61], 0);
    expect(second.raw).toBeLessThanOrEqual(0.999);
  });
});

describe('anomaly likelihood calibration', () => {
  it('gives about 1 % of ordinary points a probability above 0.99', () => {
    const r = new Rng(5);
    const g = () => Math.sqrt(-2 * Math.log(r.nextOpen())) * Math.cos(2 * Math.PI * r.next());
    const d = createDetector('likelihood', { logScale: false, redThreshold: 1, inner: { detector: 'ewma' } });
    const p = Array.from({ length: 20_000 }, () => d.update([g()], 0).raw).slice(1000);
    const above = p.filter((x) => x > 0.99).length / p.length;
    expect(above).toBeGreaterThan(0.002);
    expect(above).toBeLessThan(0.03);
    const median = [...p].sort((a, b) => a - b)[p.length >> 1]!;
    expect(median).toBeGreaterThan(0.3);
    expect(median).toBeLessThan(0.7);
  });
});

describe('every detector', () => {
  for (const name of DETECTOR_NAMES) {
    it(`${name}: is causal and gives identical scores after save and restore`, () => {
      const a = createDetector(name);
      for (let t = 0; t < 1500; t++) a.update([noisy[t]!], t);
      const b = restoreDetector(JSON.parse(JSON.stringify(a.toState())));
      const rest = noisy.slice(1500);
      rest[600] = 90; // an anomaly after the restore
      const sa = rest.map((v, t) => a.update([v], t).score);
      const sb = rest.map((v, t) => b.update([v], t).score);
      expect(sb).toEqual(sa);
      expect(sa.every((s) => s >= 0 && s <= 1)).toBe(true);
      // causal: scores before the spike do not depend on it
      const c = restoreDetector(JSON.parse(JSON.stringify(createDetector(name).toState())));
      const sc = noisy.slice(0, 2100).map((v, t) => c.update([v], t).score);
      const d2 = createDetector(name);
      const sd = [...noisy.slice(0, 2100), 90].map((v, t) => d2.update([v], t).score);
      expect(sd.slice(0, 2100)).toEqual(sc);
      // and the spike itself stands out (cad's score is a share of unpredicted contexts, in steps
      // of 1/(order + 1): on this noise it reaches the top step before, so the spike ties it)
      if (name === 'cad') expect(sa[600]).toBe(1);
      else expect(sa[600]).toBeGreaterThan(Math.max(...sa.slice(0, 600)));
    });
  }

  it('names the field, the value and the fix for bad input', () => {
    expect(() => createDetector('lstm')).toThrow(/Invalid detector: "lstm". Fix: use one of threshold, ewma, rcf/);
    expect(() => createDetector('rcf', { numberOfTrees: 0 })).toThrow(SluiceError);
    expect(() => createDetector('rcf', { numberOfTrees: 0 })).toThrow(/params\.numberOfTrees/);
  });
});
