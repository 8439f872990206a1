/**
 * An ensemble: several detectors (each optionally behind its own anomaly likelihood) score the
 * same point; their [0, 1] scores combine by `max` or a weighted `mean`. The attribution of the
 * member that scored highest is passed on, with its name and expected range (or, if it has none,
 * the narrowest range any member gives). With `suppress`, once the combined score reaches
 * `level` the next `points` scores are capped at `cap`: one alert per episode, not a burst.
 */
import { z } from 'zod';
import { detectorSpecSchema, type DetectorFactory } from './spec.js';
import type { Detector, DetectorState, Scored } from './types.js';

export const ensembleParamsSchema = z
  .object({
    members: z.array(detectorSpecSchema.extend({ weight: z.number().min(0).default(1) })).min(1),
    combine: z.enum(['max', 'mean']).default('max'),
    suppress: z
      .object({
        level: z.number().min(0).max(1),
        points: z.number().int().min(1),
        cap: z.number().min(0).max(1).default(0.3),
      })
      .strict()
      .optional(),
  })
  .strict();
export type EnsembleParams = z.output<typeof ensembleParamsSchema>;

/** Total width of an expected range over the columns (Infinity when a side is open). */
function width(e: readonly (readonly [number, number])[]): number {
  let w = 0;
  for (const [lo, hi] of e) w += hi - lo;
  return w;
}

export class EnsembleDetector implements Detector {
  readonly kind = 'ensemble';
  readonly params: EnsembleParams;
  readonly members: Detector[];
  /** Points since the last alert (Infinity before the first). */
  private sinceAlert = Number.POSITIVE_INFINITY;

  constructor(params: unknown, factory: DetectorFactory, members?: Detector[]) {
    this.params = ensembleParamsSchema.parse(params);
    this.members = members ?? this.params.members.map((m) => factory.create(m));
  }

  update(values: ArrayLike<number>, timeMs: number): Scored {
    const { combine } = this.params;
    let best: Scored | undefined;
    let expected: Scored['expected'];
    let total = 0;
    let weights = 0;
    for (let i = 0; i < this.members.length; i++) {
      const s = this.members[i]!.update(values, timeMs);
      const w = this.params.members[i]!.weight;
      total += w * s.score;
      weights += w;
      if (best === undefined || w * s.score > best.score) best = { ...s, score: w * s.score };
      if (s.expected !== undefined && (expected === undefined || width(s.expected) < width(expected))) expected = s.expected;
    }
    const combined = combine === 'max' ? Math.min(1, best!.score) : weights > 0 ? total / weights : 0;
    let score = combined;
    const sup = this.params.suppress;
    if (sup !== undefined) {
      this.sinceAlert++;
      if (this.sinceAlert <= sup.points) score = Math.min(score, sup.cap);
      else if (score >= sup.level) this.sinceAlert = 0;
    }
    // the top member's expected range, else the narrowest any member gives (the most specific)
    return { ...best!, score, raw: combined, expected: best!.expected ?? expected };
  }

  toState(): DetectorState {
    const sinceAlert = Number.isFinite(this.sinceAlert) ? this.sinceAlert : null;
    return { kind: this.kind, params: this.params, data: { members: this.members.map((m) => m.toState()), sinceAlert } };
  }

  static fromState(state: DetectorState, factory: DetectorFactory): EnsembleDetector {
    const data = state.data as { members: DetectorState[]; sinceAlert: number | null };
    const e = new EnsembleDetector(state.params, factory, data.members.map((s) => factory.restore(s)));
    e.sinceAlert = data.sinceAlert ?? Number.POSITIVE_INFINITY;
    return e;
  }
}
