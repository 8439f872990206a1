import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { RandomCutTrees } from './tree.js';

interface Sub {
  lo: number[];
  hi: number[];
  mass: number;
  leaves: number[];
  internal: number[];
}

/** Walks tree `t` and checks every invariant insert/remove must keep; returns its subtree summary. */
function walk(trees: RandomCutTrees, t: number, id: number): Sub {
  const { capacity: cap, dims: D } = trees;
  if (id < cap) {
    const o = (t * cap + id) * D;
    const p = Array.from(trees.points.subarray(o, o + D));
    const mass = trees.leafMass[t * cap + id]!;
    expect(mass).toBeGreaterThan(0);
    return { lo: p, hi: p, mass, leaves: [id], internal: [] };
  }
  const i = t * cap + id - cap;
  const l = walk(trees, t, trees.left[i]!);
  const r = walk(trees, t, trees.right[i]!);
  const dim = trees.cutDim[i]!;
  const cut = trees.cutVal[i]!;
  expect(l.hi[dim]!).toBeLessThanOrEqual(cut); // everything left of the cut is <= it
  expect(r.lo[dim]!).toBeGreaterThan(cut);
  const lo = l.lo.map((v, d) => Math.min(v, r.lo[d]!));
  const hi = l.hi.map((v, d) => Math.max(v, r.hi[d]!));
  if (id - cap < trees.cached) {
    // a kept box is exact, not stale
    const o = (t * trees.cached + id - cap) * 2 * D;
    expect(Array.from(trees.boxes.subarray(o, o + 2 * D))).toEqual([...lo, ...hi]);
  }
  return {
    lo,
    hi,
    mass: l.mass + r.mass,
    leaves: [...l.leaves, ...r.leaves],
    internal: [id, ...l.internal, ...r.internal],
  };
}

function check(trees: RandomCutTrees, t: number): number {
  const { capacity: cap } = trees;
  const root = trees.root[t]!;
  const sub = root < 0 ? { mass: 0, leaves: [], internal: [] } : walk(trees, t, root);
  expect(trees.total[t]).toBe(sub.mass);
  // every id is either in the tree or on its free stack, never both
  const b = t * cap;
  const freeLeaves = Array.from(trees.freeLeaves.subarray(b, b + trees.freeCount[3 * t]!));
  const freeKept = Array.from(trees.freeInternal.subarray(b, b + trees.freeCount[3 * t + 1]!));
  const freeOther = Array.from(trees.freeInternal.subarray(b + cap - trees.freeCount[3 * t + 2]!, b + cap));
  expect(freeKept.every((id) => id - cap < trees.cached)).toBe(true);
  expect(freeOther.every((id) => id - cap >= trees.cached)).toBe(true);
  const freeInternal = [...freeKept, ...freeOther];
  expect([...sub.leaves, ...freeLeaves].sort((a, b) => a - b)).toEqual(Array.from({ length: cap }, (_, i) => i));
  expect([...sub.internal, ...freeInternal].sort((a, b) => a - b)).toEqual(Array.from({ length: cap - 1 }, (_, i) => cap + i));
  return sub.mass;
}

/** The scalar score computed the plain way: every box on the path from the subtree's points. */
function referenceScore(trees: RandomCutTrees, t: number, p: number[]): number {
  const { capacity: cap, dims: D } = trees;
  const path = [trees.root[t]!];
  while (path.at(-1)! >= cap) {
    const i = t * cap + path.at(-1)! - cap;
    path.push(p[trees.cutDim[i]!]! <= trees.cutVal[i]! ? trees.left[i]! : trees.right[i]!);
  }
  const depth = path.length - 1;
  const leaf = path[depth]!;
  const o = (t * cap + leaf) * D;
  const q = Array.from(trees.points.subarray(o, o + D));
  const total = trees.total[t]!;
  const norm = Math.log2(total + 1);
  if (q.every((v, d) => v === p[d])) {
    const m = trees.leafMass[t * cap + leaf]!;
    return ((1 - m / (2 * total)) / (depth + Math.log2(m + 1))) * norm;
  }
  let score = 1 / (depth + 1);
  for (let k = depth - 1; k >= 0; k--) {
    const { lo, hi } = walk(trees, t, path[k]!);
    let sep = 0;
    let range = 0;
    for (let d = 0; d < D; d++) {
      sep += Math.max(0, lo[d]! - p[d]!) + Math.max(0, p[d]! - hi[d]!);
      range += Math.max(hi[d]!, p[d]!) - Math.min(lo[d]!, p[d]!);
    }
    if (sep === 0) break;
    score = (sep / range) * (1 / (k + 1)) + (1 - sep / range) * score;
  }
  return score * norm;
}

describe('RandomCutTrees', () => {
  it.each([0, 0.4, 1])('keeps cuts, masses, kept boxes (fraction %s) and free ids exact through inserts, duplicates and deletes', (fraction) => {
    const rng = new Rng(99);
    const trees = new RandomCutTrees(3, 32, 2, fraction);
    const live: number[][] = [[], [], []];
    for (let step = 0; step < 3000; step++) {
      const t = step % 3;
      const mine = live[t]!;
      if (mine.length === 32 || (mine.length > 0 && rng.next() < 0.45)) {
        const k = Math.floor(rng.next() * mine.length);
        trees.remove(t, mine[k]!);
        mine.splice(k, 1);
      } else {
        // small integer grid: many duplicates
        mine.push(trees.insert(t, [Math.floor(rng.next() * 6), Math.floor(rng.next() * 6)], rng));
      }
      if (step % 60 < 3) expect(check(trees, t)).toBe(mine.length);
    }
    for (let t = 0; t < 3; t++) {
      expect(check(trees, t)).toBe(live[t]!.length);
      for (const leaf of live[t]!) trees.remove(t, leaf);
      expect(trees.root[t]).toBe(-1);
      expect(check(trees, t)).toBe(0);
    }
  });

  it.each([0, 0.3, 1])('scores exactly as boxes computed from the subtree points would (fraction %s of boxes kept)', (fraction) => {
    const rng = new Rng(5);
    const trees = new RandomCutTrees(2, 64, 3, fraction);
    const sampled: number[][] = [[], []];
    for (let i = 0; i < 400; i++) {
      const p = [Math.fround(rng.next()), Math.fround(rng.next() * 10), Math.fround(Math.floor(rng.next() * 4))];
      for (let t = 0; t < 2; t++) {
        if (sampled[t]!.length === 64) trees.remove(t, sampled[t]!.shift()!);
        sampled[t]!.push(trees.insert(t, p, rng));
      }
    }
    let compared = 0;
    for (let i = 0; i < 120; i++) {
      const p = [rng.next() * 1.4 - 0.2, rng.next() * 14 - 2, Math.floor(rng.next() * 5)];
      for (let t = 0; t < 2; t++) {
        expect(trees.score(t, p)).toBe(referenceScore(trees, t, p));
        compared++;
      }
    }
    // and a stored point scores as a duplicate
    const o = (0 * 64 + sampled[0]![10]!) * 3;
    const q = Array.from(trees.points.subarray(o, o + 3));
    expect(trees.score(0, q)).toBe(referenceScore(trees, 0, q));
    expect(compared).toBe(240);
  });

  it('builds the same trees and scores whatever share of boxes it keeps, before and after a restore', () => {
    const run = (fraction: number) => {
      const rng = new Rng(8);
      const data = new Rng(21);
      let trees = new RandomCutTrees(4, 48, 2, fraction);
      const sampled: number[][] = [[], [], [], []];
      const scores: number[] = [];
      for (let i = 0; i < 1500; i++) {
        if (i === 700) trees = RandomCutTrees.fromState(4, 48, 2, fraction, JSON.parse(JSON.stringify(trees.toState())) as ReturnType<RandomCutTrees['toState']>);
        const p = [Math.fround(data.next() + (i % 300 === 0 ? 3 : 0)), Math.fround(Math.floor(data.next() * 8))];
        for (let t = 0; t < 4; t++) {
          scores.push(trees.score(t, p));
          if (data.next() < 0.3) continue;
          if (sampled[t]!.length === 48) trees.remove(t, sampled[t]!.splice(Math.floor(data.next() * 48), 1)[0]!);
          sampled[t]!.push(trees.insert(t, p, rng));
        }
      }
      const state = trees.toState();
      return { scores, points: state.points, leafMass: state.leafMass };
    };
    const none = run(0);
    expect(new Set(none.scores).size).toBeGreaterThan(1000);
    for (const fraction of [0.25, 1]) {
      // node ids differ (kept-box slots go to shallow nodes), the trees and scores do not
      const other = run(fraction);
      expect(other.scores).toEqual(none.scores);
      expect(other.points).toEqual(none.points);
      expect(other.leafMass).toEqual(none.leafMass);
    }
  });
});
