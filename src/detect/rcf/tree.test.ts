import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { RandomCutTree } from './tree.js';

/** Walks the tree and checks every invariant insert/remove must keep. */
function check(t: RandomCutTree): number {
  const D = t.dims;
  const walk = (id: number, parent: number): { lo: number[]; hi: number[]; mass: number } => {
    expect(t.parent[id]).toBe(parent);
    if (id < t.capacity) {
      const p = Array.from(t.points.subarray(id * D, id * D + D));
      expect(t.mass[id]).toBeGreaterThan(0);
      return { lo: p, hi: p, mass: t.mass[id]! };
    }
    const l = walk(t.left[id]!, id);
    const r = walk(t.right[id]!, id);
    const dim = t.cutDim[id]!;
    const cut = t.cutVal[id]!;
    expect(l.hi[dim]!).toBeLessThanOrEqual(cut); // everything left of the cut is <= it
    expect(r.lo[dim]!).toBeGreaterThan(cut);
    const lo = l.lo.map((v, d) => Math.min(v, r.lo[d]!));
    const hi = l.hi.map((v, d) => Math.max(v, r.hi[d]!));
    const o = (id - t.capacity) * D;
    expect(Array.from(t.boxMin.subarray(o, o + D))).toEqual(lo); // boxes are exact, not stale
    expect(Array.from(t.boxMax.subarray(o, o + D))).toEqual(hi);
    expect(t.mass[id]).toBe(l.mass + r.mass);
    return { lo, hi, mass: l.mass + r.mass };
  };
  return t.root < 0 ? 0 : walk(t.root, -1).mass;
}

describe('RandomCutTree', () => {
  it('keeps cuts, boxes, masses and parents exact through inserts, duplicates and deletes', () => {
    const rng = new Rng(99);
    const t = new RandomCutTree(32, 2);
    const live: number[] = [];
    for (let step = 0; step < 2000; step++) {
      if (live.length === 32 || (live.length > 0 && rng.next() < 0.45)) {
        const k = Math.floor(rng.next() * live.length);
        t.remove(live[k]!);
        live.splice(k, 1);
      } else {
        // small integer grid: many duplicates
        live.push(t.insert([Math.floor(rng.next() * 6), Math.floor(rng.next() * 6)], rng));
      }
      if (step % 50 === 0) expect(check(t)).toBe(live.length);
    }
    expect(check(t)).toBe(live.length);
    for (const leaf of live) t.remove(leaf);
    expect(t.root).toBe(-1);
  });
});
