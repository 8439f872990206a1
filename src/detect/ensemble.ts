/**
 * An ensemble: several detectors (each optionally behind its own anomaly likelihood) score the
 * same point; their [0, 1] scores combine by `max` or a weighted `mean`. The attribution of the
 * member that scored highest is passed on.
 */
import { z } from 'zod';
import { detectorSpecSchema, type DetectorFactory } from './likelihood-detector.js';
import type { Detector, DetectorState, Scored } from './types.js';

export const ensembleParamsSchema = z
  .object({
    members: z.array(detectorSpecSchema.extend({ weight: z.number().min(0).default(1) })).min(1),
    combine: z.enum(['max', 'mean']).default('max'),
  })
  .strict();
export type EnsembleParams = z.output<typeof ensembleParamsSchema>;

export class EnsembleDetector implements Detector {
  readonly kind = 'ensemble';
  readonly params: EnsembleParams;
  readonly members: Detector[];

  constructor(params: unknown, factory: DetectorFactory, members?: Detector[]) {
    this.params = ensembleParamsSchema.parse(params);
    this.members = members ?? this.params.members.map((m) => factory.create(m));
  }

  update(values: ArrayLike<number>, timeMs: number): Scored {
    const { combine } = this.params;
    let best: Scored | undefined;
    let total = 0;
    let weights = 0;
    for (let i = 0; i < this.members.length; i++) {
      const s = this.members[i]!.update(values, timeMs);
      const w = this.params.members[i]!.weight;
      total += w * s.score;
      weights += w;
      if (best === undefined || w * s.score > best.score) best = { ...s, score: w * s.score };
    }
    const score = combine === 'max' ? Math.min(1, best!.score) : weights > 0 ? total / weights : 0;
    return { score, raw: score, ...(best!.attribution ? { attribution: best!.attribution } : {}) };
  }

  toState(): DetectorState {
    return { kind: this.kind, params: this.params, data: this.members.map((m) => m.toState()) };
  }

  static fromState(state: DetectorState, factory: DetectorFactory): EnsembleDetector {
    const members = (state.data as DetectorState[]).map((s) => factory.restore(s));
    return new EnsembleDetector(state.params, factory, members);
  }
}
