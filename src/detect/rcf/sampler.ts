/**
 * Time-decayed reservoir sample (the open RCF library's compact sampler): each arriving point gets
 * the weight `-timeDecay * t + log(-log(u))`; the sample keeps the `capacity` smallest weights,
 * so recent points are favoured with an effective memory of about `1 / timeDecay` points.
 * A max-heap over weights says which entry to evict.
 */
import { decodeF64, decodeI32, encodeF64, encodeI32 } from '../codec.js';

export interface SamplerState {
  readonly size: number;
  /** base64 Float64Array / Int32Array */
  readonly weight: string;
  readonly leaf: string;
}

export class DecayedSampler {
  size = 0;
  readonly weight: Float64Array;
  /** The tree leaf each sample entry points at. */
  readonly leaf: Int32Array;

  constructor(readonly capacity: number) {
    this.weight = new Float64Array(capacity);
    this.leaf = new Int32Array(capacity);
  }

  /** Would a point of this weight enter the sample? */
  accepts(w: number): boolean {
    return this.size < this.capacity || w < this.weight[0]!;
  }

  /** The leaf that must leave the tree to make room, or -1 when there is room. */
  evictionCandidate(): number {
    return this.size < this.capacity ? -1 : this.leaf[0]!;
  }

  /** Adds an entry (after `accepts`), replacing the heaviest when full. */
  add(w: number, leaf: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (this.weight[up]! >= w) break;
        this.weight[i] = this.weight[up]!;
        this.leaf[i] = this.leaf[up]!;
        i = up;
      }
      this.weight[i] = w;
      this.leaf[i] = leaf;
      return;
    }
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.weight[r]! > this.weight[l]! ? r : l;
      if (this.weight[c]! <= w) break;
      this.weight[i] = this.weight[c]!;
      this.leaf[i] = this.leaf[c]!;
      i = c;
    }
    this.weight[i] = w;
    this.leaf[i] = leaf;
  }

  toState(): SamplerState {
    return { size: this.size, weight: encodeF64(this.weight), leaf: encodeI32(this.leaf) };
  }

  static fromState(capacity: number, s: SamplerState): DecayedSampler {
    const d = new DecayedSampler(capacity);
    d.size = s.size;
    d.weight.set(decodeF64(s.weight));
    d.leaf.set(decodeI32(s.leaf));
    return d;
  }
}
