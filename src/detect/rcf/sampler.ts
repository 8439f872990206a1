/**
 * Time-decayed reservoir samples, one per tree, in flat arrays (the open RCF library's compact
 * sampler): each arriving point gets the weight `-timeDecay * t + log(-log(u))`; a tree's sample
 * keeps the `capacity` smallest weights, so recent points are favoured with an effective memory of
 * about `1 / timeDecay` points. Per tree, a max-heap over weights says which entry to evict.
 */
import { decodeTyped, encodeTyped } from '../codec.js';

export interface SamplersState {
  /** base64 Int32Array / Float64Array / Uint16Array */
  readonly size: string;
  readonly weight: string;
  readonly leaf: string;
}

export class DecayedSamplers {
  readonly size: Int32Array;
  readonly weight: Float64Array;
  /** The tree leaf each sample entry points at; tree `t`'s heap at `t * capacity`. */
  readonly leaf: Uint16Array;

  constructor(
    readonly count: number,
    readonly capacity: number,
  ) {
    this.size = new Int32Array(count);
    this.weight = new Float64Array(count * capacity);
    this.leaf = new Uint16Array(count * capacity);
  }

  /** Would a point of this weight enter tree `t`'s sample? */
  accepts(t: number, w: number): boolean {
    return this.size[t]! < this.capacity || w < this.weight[t * this.capacity]!;
  }

  /** The leaf that must leave tree `t` to make room, or -1 when there is room. */
  evictionCandidate(t: number): number {
    return this.size[t]! < this.capacity ? -1 : this.leaf[t * this.capacity]!;
  }

  /** Adds an entry to tree `t`'s sample (after `accepts`), replacing the heaviest when full. */
  add(t: number, w: number, leaf: number): void {
    const b = t * this.capacity;
    const weight = this.weight;
    const leaves = this.leaf;
    const n = this.size[t]!;
    if (n < this.capacity) {
      let i = n;
      this.size[t] = n + 1;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (weight[b + up]! >= w) break;
        weight[b + i] = weight[b + up]!;
        leaves[b + i] = leaves[b + up]!;
        i = up;
      }
      weight[b + i] = w;
      leaves[b + i] = leaf;
      return;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && weight[b + r]! > weight[b + l]! ? r : l;
      if (weight[b + c]! <= w) break;
      weight[b + i] = weight[b + c]!;
      leaves[b + i] = leaves[b + c]!;
      i = c;
    }
    weight[b + i] = w;
    leaves[b + i] = leaf;
  }

  toState(): SamplersState {
    return { size: encodeTyped(this.size), weight: encodeTyped(this.weight), leaf: encodeTyped(this.leaf) };
  }

  static fromState(count: number, capacity: number, s: SamplersState): DecayedSamplers {
    const d = new DecayedSamplers(count, capacity);
    decodeTyped(s.size, d.size, 'samplers.size');
    decodeTyped(s.weight, d.weight, 'samplers.weight');
    decodeTyped(s.leaf, d.leaf, 'samplers.leaf');
    return d;
  }
}
