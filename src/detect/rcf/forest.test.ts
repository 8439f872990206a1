import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { RandomCutForest } from './forest.js';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(rng.nextOpen())) * Math.cos(2 * Math.PI * rng.next());
}

const restoreCopy = (f: RandomCutForest) => RandomCutForest.fromState(JSON.parse(JSON.stringify(f.toState())));

describe('RandomCutForest', () => {
  it('scores an isolated far point higher than points in a dense cluster', () => {
    const rng = new Rng(7);
    const f = new RandomCutForest({ numberOfTrees: 50, sampleSize: 128, seed: 1 });
    for (let i = 0; i < 1500; i++) f.update([gaussian(rng), gaussian(rng)], i);
    const inside = restoreCopy(f).update([0.1, -0.2], 0);
    const far = restoreCopy(f).update([8, 8], 0);
    const edge = restoreCopy(f).update([3, 0], 0);
    expect(inside.raw).toBeGreaterThan(0.3);
    expect(inside.raw).toBeLessThan(1.5); // "about 1" for ordinary points, as in KDA
    expect(far.raw).toBeGreaterThan(2 * inside.raw);
    expect(far.raw).toBeGreaterThan(edge.raw);
    expect(edge.raw).toBeGreaterThan(inside.raw);
    expect(far.score).toBeGreaterThan(inside.score);
  });

  it('attributes the score to the column that moved', () => {
    const rng = new Rng(3);
    const f = new RandomCutForest({ numberOfTrees: 40, sampleSize: 128, explain: true });
    for (let i = 0; i < 1000; i++) f.update([gaussian(rng), gaussian(rng), gaussian(rng)], i);
    const out = f.update([0, 9, 0], 0);
    const a = out.attribution!;
    expect(a).toHaveLength(3);
    expect(a[1]).toBeGreaterThan(5 * (a[0]! + a[2]!));
    expect(a[0]! + a[1]! + a[2]!).toBeCloseTo(out.raw, 6);
  });

  it('turns a change of shape into a high score when shingled', () => {
    // A noisy sine of period 24; at t = 2000 one period is played backwards: same values, new shape.
    // (The noise keeps shingles distinct: an exact sine repeats itself up to float32 rounding.)
    const rng = new Rng(17);
    const series = Array.from({ length: 2100 }, (_, t) => {
      const phase = t >= 2000 && t < 2024 ? 2000 + (2024 - t) : t;
      return Math.sin((2 * Math.PI * phase) / 24) + 0.01 * gaussian(rng);
    });
    const run = (shingleSize: number) => {
      const f = new RandomCutForest({ numberOfTrees: 50, sampleSize: 256, shingleSize, seed: 5 });
      const raw = series.map((v, t) => f.update([v], t).raw);
      return {
        before: Math.max(...raw.slice(1500, 2000)),
        change: Math.max(...raw.slice(2000, 2030)),
      };
    };
    const shingled = run(8);
    expect(shingled.change).toBeGreaterThan(1.3 * shingled.before); // 1.39-1.44 over seeds 5-7
    const flat = run(1);
    expect(flat.change / flat.before).toBeLessThan(shingled.change / shingled.before);
  });

  it('gives identical scores after save and restore', () => {
    const rng = new Rng(11);
    const data = Array.from({ length: 900 }, (_, t) => [Math.sin(t / 10) + 0.1 * gaussian(rng), gaussian(rng)]);
    const a = new RandomCutForest({ numberOfTrees: 20, sampleSize: 64, shingleSize: 4, normalize: true });
    for (let t = 0; t < 500; t++) a.update(data[t]!, t);
    const b = restoreCopy(a);
    expect(b.toState()).toEqual(a.toState()); // the checkpoint of a restored forest is the same checkpoint
    const sa = data.slice(500).map((p, t) => a.update(p, t).raw);
    const sb = data.slice(500).map((p, t) => b.update(p, t).raw);
    expect(sb).toEqual(sa);
    expect(new Set(sa).size).toBeGreaterThan(100);
    expect(b.toState()).toEqual(a.toState());
  });

  it('refuses a checkpoint of the earlier layout, a damaged one, and too many dimensions, naming the fix', () => {
    const f = new RandomCutForest({ numberOfTrees: 4, sampleSize: 16 });
    for (let t = 0; t < 50; t++) f.update([t % 7], t);
    const state = JSON.parse(JSON.stringify(f.toState())) as { kind: string; params: unknown; data: Record<string, unknown> };
    expect(() => RandomCutForest.fromState({ ...state, data: { ...state.data, layout: undefined, trees: [] } })).toThrow(/older Sluice.*Fix: start this model afresh/);
    const trees = state.data.trees as Record<string, string>;
    const cut = { ...state, data: { ...state.data, trees: { ...trees, cutVal: trees.cutVal!.slice(0, 8) } } };
    expect(() => RandomCutForest.fromState(cut)).toThrow(/trees\.cutVal holds 6 bytes, expected 256\. Fix: restore a checkpoint written with the same parameters/);
    const wide = new RandomCutForest({ shingleSize: 64, timeOfDay: true });
    expect(() => wide.update([1, 2], 0)).toThrow(/2 column\(s\) \+ 2 time-of-day x shingleSize 64 = 256 dimensions; at most 255/);
  });
});
