/**
 * Adaptive resonance (Fuzzy ART) on recent-shape features, in the spirit of ARTime (Mark Hampton,
 * 2021, the NAB scoreboard's leader; github.com/markNZed/ARTimeNAB.jl). Sources: the ARTimeNAB
 * README and NAB detector folder (a new ART category = a pattern not seen before = an anomaly)
 * and Carpenter, Grossberg & Rosen, "Fuzzy ART", Neural Networks 4 (1991) for the category
 * geometry. Written from those descriptions; no code copied. Unlike ARTime, it is not given each
 * file's min/max: scales come from the values seen so far.
 *
 * Features per column: the means of `segments` consecutive segments of `segmentLength` points
 * before this one, plus this value. A category is a box in feature space (Fuzzy ART with
 * complement coding, fast learning, in raw units so the boxes stay valid while the scale grows).
 * A point resonates with a category if the box grown to include it spans at most
 * `(1 - vigilance)` of the column's range per dimension on average; among those, the one that
 * grows least learns it (the box grows). If none resonates, a new category is made (the least
 * recently used one is replaced when `categories` are in use). Score: below 0.5 for a point some
 * category accepted (by how much it had to grow), 0.5 and more for a point that needed a new
 * category (by how far it lies from the nearest box). Expected range: the nearest box's extent
 * on the current-value dimension.
 */
import { z } from 'zod';
import { decodeF64, encodeF64 } from './codec.js';
import type { Detector, DetectorState, Scored } from './types.js';

export const artParamsSchema = z
  .object({
    segments: z.number().int().min(0).max(16).default(3),
    segmentLength: z.number().int().min(1).max(64).default(4),
    vigilance: z.number().gt(0).lt(1).default(0.85),
    categories: z.number().int().min(2).max(4096).default(64),
    /** Points learned before the score may be above 0. */
    warmup: z.number().int().min(1).default(200),
  })
  .strict();
export type ArtParams = z.output<typeof artParamsSchema>;

interface ArtData {
  seen: number;
  used: number;
  /** Per column, the last `segments * segmentLength` values, oldest first. */
  recent: string;
  /** Per column: min, max of the values seen. */
  range: number[];
  lo: string;
  hi: string;
  lastUsed: string;
}

export class ArtDetector implements Detector {
  readonly kind = 'art';
  readonly params: ArtParams;
  private columns = 0;
  private dims = 0;
  private seen = 0;
  private used = 0;
  private recent: Float64Array = new Float64Array(0);
  private range: number[] = [];
  private lo: Float64Array = new Float64Array(0);
  private hi: Float64Array = new Float64Array(0);
  private lastUsed: Float64Array = new Float64Array(0);
  private feature: Float64Array = new Float64Array(0);

  constructor(params: Partial<ArtParams> = {}) {
    this.params = artParamsSchema.parse(params);
  }

  private init(columns: number): void {
    const { segments, segmentLength, categories } = this.params;
    this.columns = columns;
    this.dims = columns * (segments + 1);
    this.recent = new Float64Array(columns * segments * segmentLength);
    this.lo = new Float64Array(categories * this.dims);
    this.hi = new Float64Array(categories * this.dims);
    this.lastUsed = new Float64Array(categories);
    this.feature = new Float64Array(this.dims);
  }

  update(values: ArrayLike<number>, _timeMs: number): Scored {
    if (this.columns === 0) {
      this.init(values.length);
      this.range = Array.from(values, (v) => [v, v]).flat();
    }
    const { segments, segmentLength, vigilance, warmup } = this.params;
    const C = this.columns;
    const D = this.dims;
    const per = segments + 1;
    const span = segments * segmentLength;
    const f = this.feature;
    const scale = new Float64Array(C);
    const filled = Math.min(this.seen, span);
    for (let c = 0; c < C; c++) {
      const lo = this.range[2 * c]!;
      const hi = this.range[2 * c + 1]!;
      scale[c] = Math.max(hi - lo, 1e-9 * (Math.abs(hi) + Math.abs(lo)), 1e-12);
      const r = c * span;
      for (let s = 0; s < segments; s++) {
        let sum = 0;
        let n = 0;
        for (let k = s * segmentLength; k < (s + 1) * segmentLength; k++) {
          if (k < span - filled) continue; // not seen yet: the segment is the mean of what is there
          sum += this.recent[r + k]!;
          n++;
        }
        f[c * per + s] = n > 0 ? sum / n : values[c]!;
      }
      f[c * per + segments] = values[c]!;
    }
    // nearest category: least growth (normalised L1) to take this point in
    let best = -1;
    let bestGrowth = Number.POSITIVE_INFINITY;
    let res = -1;
    let resGrowth = Number.POSITIVE_INFINITY;
    const limit = (1 - vigilance) * D;
    for (let j = 0; j < this.used; j++) {
      let size = 0;
      let growth = 0;
      const o = j * D;
      for (let d = 0; d < D; d++) {
        const s = scale[(d / per) | 0]!;
        const lo = this.lo[o + d]!;
        const hi = this.hi[o + d]!;
        const x = f[d]!;
        const u = (x > hi ? x : hi) - (x < lo ? x : lo);
        size += u / s;
        growth += (u - (hi - lo)) / s;
      }
      if (growth < bestGrowth) {
        bestGrowth = growth;
        best = j;
      }
      if (size <= limit && growth < resGrowth) {
        resGrowth = growth;
        res = j;
      }
    }
    const t = this.seen;
    // score and explanation, from the state before learning this point
    const ref = res >= 0 ? res : best;
    let score = 0;
    const attribution: number[] = new Array<number>(C).fill(0);
    const expected: [number, number][] = [];
    for (let c = 0; c < C; c++) {
      const d = c * per + segments;
      expected.push(ref >= 0 ? [this.lo[ref * D + d]!, this.hi[ref * D + d]!] : [values[c]!, values[c]!]);
      if (ref >= 0) {
        for (let k = c * per; k < (c + 1) * per; k++) {
          const x = f[k]!;
          const lo = this.lo[ref * D + k]!;
          const hi = this.hi[ref * D + k]!;
          attribution[c]! += (x > hi ? x - hi : x < lo ? lo - x : 0) / scale[c]!;
        }
      }
    }
    const raw = best >= 0 ? bestGrowth / D : 1;
    if (t >= warmup) {
      const unit = 1 - vigilance;
      score = res >= 0 ? 0.49 * Math.min(1, raw / unit) : 0.5 + 0.5 * Math.min(1, raw / unit);
    }
    // learn
    if (res >= 0) {
      const o = res * D;
      for (let d = 0; d < D; d++) {
        if (f[d]! < this.lo[o + d]!) this.lo[o + d] = f[d]!;
        if (f[d]! > this.hi[o + d]!) this.hi[o + d] = f[d]!;
      }
      this.lastUsed[res] = t;
    } else {
      let j = this.used;
      if (j < this.params.categories) this.used++;
      else {
        j = 0;
        for (let k = 1; k < this.used; k++) if (this.lastUsed[k]! < this.lastUsed[j]!) j = k;
      }
      this.lo.set(f, j * D);
      this.hi.set(f, j * D);
      this.lastUsed[j] = t;
    }
    for (let c = 0; c < C; c++) {
      const x = values[c]!;
      if (x < this.range[2 * c]!) this.range[2 * c] = x;
      if (x > this.range[2 * c + 1]!) this.range[2 * c + 1] = x;
      if (span > 0) {
        this.recent.copyWithin(c * span, c * span + 1, (c + 1) * span);
        this.recent[(c + 1) * span - 1] = x;
      }
    }
    this.seen++;
    return { score, raw, attribution, expected, detector: this.kind };
  }

  toState(): DetectorState {
    const data: ArtData = {
      seen: this.seen,
      used: this.used,
      recent: encodeF64(this.recent),
      range: [...this.range],
      lo: encodeF64(this.lo),
      hi: encodeF64(this.hi),
      lastUsed: encodeF64(this.lastUsed),
    };
    return { kind: this.kind, params: this.params, data: this.columns === 0 ? null : { columns: this.columns, ...data } };
  }

  static fromState(state: DetectorState): ArtDetector {
    const d = new ArtDetector(state.params as Partial<ArtParams>);
    const data = state.data as (ArtData & { columns: number }) | null;
    if (data === null) return d;
    d.init(data.columns);
    d.seen = data.seen;
    d.used = data.used;
    d.recent = decodeF64(data.recent);
    d.range = [...data.range];
    d.lo = decodeF64(data.lo);
    d.hi = decodeF64(data.hi);
    d.lastUsed = decodeF64(data.lastUsed);
    return d;
  }
}
