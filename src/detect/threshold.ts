/**
 * The seed's `currentTemp > 100` rule, generalised: fixed bounds (`above` / `below`) and, with
 * `learn`, a learned range (the running min/max of everything seen so far, widened by
 * `tolerance` times the range, as Numenta's detector flags "spatial" anomalies). Per column.
 */
import { z } from 'zod';
import type { Detector, DetectorState, Scored } from './types.js';

export const thresholdParamsSchema = z
  .object({
    above: z.number().optional(),
    below: z.number().optional(),
    learn: z.boolean().default(true),
    tolerance: z.number().min(0).default(0.05),
    /** Points to learn the range from before the learned rule may fire. */
    warmup: z.number().int().min(1).default(100),
  })
  .strict();
export type ThresholdParams = z.output<typeof thresholdParamsSchema>;

interface ThresholdData {
  seen: number;
  min: number[];
  max: number[];
}

export class ThresholdDetector implements Detector {
  readonly kind = 'threshold';
  readonly params: ThresholdParams;
  private seen = 0;
  private min: number[] = [];
  private max: number[] = [];

  constructor(params: Partial<ThresholdParams> = {}) {
    this.params = thresholdParamsSchema.parse(params);
  }

  update(values: ArrayLike<number>, _timeMs: number): Scored {
    const { above, below, learn, tolerance, warmup } = this.params;
    const attribution: number[] = [];
    const expected: [number, number][] = [];
    let score = 0;
    for (let j = 0; j < values.length; j++) {
      const x = values[j]!;
      let s = 0;
      if ((above !== undefined && x > above) || (below !== undefined && x < below)) s = 1;
      if (learn && this.seen >= warmup) {
        const lo = this.min[j]!;
        const hi = this.max[j]!;
        const range = hi - lo;
        if (range > 0) {
          // beyond the widened range: 0.5 at the edge, rising to 1 one range further out
          const excess = Math.max(lo - tolerance * range - x, x - (hi + tolerance * range));
          if (excess > 0) s = Math.max(s, 0.5 + 0.5 * Math.min(1, excess / range));
        }
      }
      attribution.push(s);
      score = Math.max(score, s);
      {
        const known = this.seen > 0 && j < this.min.length;
        const r = known ? this.max[j]! - this.min[j]! : 0;
        let lo = known && learn ? this.min[j]! - tolerance * r : Number.NEGATIVE_INFINITY;
        let hi = known && learn ? this.max[j]! + tolerance * r : Number.POSITIVE_INFINITY;
        if (below !== undefined) lo = Math.max(lo, below);
        if (above !== undefined) hi = Math.min(hi, above);
        expected.push([lo, hi]);
      }
      if (this.seen === 0 || j >= this.min.length) {
        this.min[j] = x;
        this.max[j] = x;
      } else {
        if (x < this.min[j]!) this.min[j] = x;
        if (x > this.max[j]!) this.max[j] = x;
      }
    }
    this.seen++;
    return { score, raw: score, attribution, expected, detector: this.kind };
  }

  toState(): DetectorState {
    const data: ThresholdData = { seen: this.seen, min: [...this.min], max: [...this.max] };
    return { kind: this.kind, params: this.params, data };
  }

  static fromState(state: DetectorState): ThresholdDetector {
    const d = new ThresholdDetector(state.params as Partial<ThresholdParams>);
    const data = state.data as ThresholdData;
    d.seen = data.seen;
    d.min = [...data.min];
    d.max = [...data.max];
    return d;
  }
}
