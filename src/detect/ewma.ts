/**
 * EWMA z-score: an exponentially weighted mean and variance per column; a point's raw score is
 * its largest |z| against the statistics of the points before it. `score = z / (z + zHalf)`
 * maps it to [0, 1] without saturating (0.5 at `zHalf` standard deviations).
 */
import { z } from 'zod';
import type { Detector, DetectorState, Scored } from './types.js';

export const ewmaParamsSchema = z
  .object({
    /** Weight of the newest point, e.g. 0.02 is a memory of about 50 points. */
    alpha: z.number().gt(0).max(1).default(0.02),
    zHalf: z.number().gt(0).default(3),
    warmup: z.number().int().min(1).default(30),
  })
  .strict();
export type EwmaParams = z.output<typeof ewmaParamsSchema>;

interface EwmaData {
  seen: number;
  mean: number[];
  variance: number[];
}

export class EwmaDetector implements Detector {
  readonly kind = 'ewma';
  readonly params: EwmaParams;
  private seen = 0;
  private mean: number[] = [];
  private variance: number[] = [];

  constructor(params: Partial<EwmaParams> = {}) {
    this.params = ewmaParamsSchema.parse(params);
  }

  update(values: ArrayLike<number>, _timeMs: number): Scored {
    const { alpha, zHalf, warmup } = this.params;
    // learn faster at the start (plain running mean) until 1/n falls below alpha
    const a = Math.max(alpha, 1 / (this.seen + 1));
    const attribution: number[] = [];
    const expected: [number, number][] = [];
    let zmax = 0;
    for (let j = 0; j < values.length; j++) {
      const x = values[j]!;
      if (this.seen === 0) {
        this.mean[j] = x;
        this.variance[j] = 0;
        attribution.push(0);
        expected.push([x, x]);
        continue;
      }
      const m = this.mean[j]!;
      const v = this.variance[j]!;
      const sd = Math.sqrt(v) + 1e-9 * (Math.abs(m) + 1);
      const zj = this.seen >= warmup ? Math.abs(x - m) / sd : 0;
      attribution.push(zj);
      expected.push([m - zHalf * Math.sqrt(v), m + zHalf * Math.sqrt(v)]);
      if (zj > zmax) zmax = zj;
      const diff = x - m;
      this.mean[j] = m + a * diff;
      this.variance[j] = (1 - a) * (v + a * diff * diff);
    }
    this.seen++;
    return { score: zmax / (zmax + zHalf), raw: zmax, attribution, expected, detector: this.kind };
  }

  toState(): DetectorState {
    const data: EwmaData = { seen: this.seen, mean: [...this.mean], variance: [...this.variance] };
    return { kind: this.kind, params: this.params, data };
  }

  static fromState(state: DetectorState): EwmaDetector {
    const d = new EwmaDetector(state.params as Partial<EwmaParams>);
    const data = state.data as EwmaData;
    d.seen = data.seen;
    d.mean = [...data.mean];
    d.variance = [...data.variance];
    return d;
  }
}
