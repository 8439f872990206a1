/** Any detector followed by the anomaly-likelihood post-processor: its score becomes a calibrated probability. */
import { z } from 'zod';
import { AnomalyLikelihood, likelihoodParamsSchema, type LikelihoodState } from './likelihood.js';
import { detectorSpecSchema, type DetectorFactory } from './spec.js';
import type { Detector, DetectorState, Scored } from './types.js';

export const likelihoodDetectorParamsSchema = likelihoodParamsSchema.extend({
  inner: detectorSpecSchema.default({ detector: 'ewma' }),
});
export type LikelihoodDetectorParams = z.output<typeof likelihoodDetectorParamsSchema>;

export class LikelihoodDetector implements Detector {
  readonly kind = 'likelihood';
  readonly params: LikelihoodDetectorParams;
  readonly inner: Detector;
  private readonly post: AnomalyLikelihood;

  constructor(params: unknown, factory: DetectorFactory, restored?: { inner: Detector; post: LikelihoodState }) {
    this.params = likelihoodDetectorParamsSchema.parse(params ?? {});
    const { inner, ...post } = this.params;
    this.inner = restored?.inner ?? factory.create(inner);
    this.post = new AnomalyLikelihood(post, restored?.post);
  }

  update(values: ArrayLike<number>, timeMs: number): Scored {
    const s = this.inner.update(values, timeMs);
    const { probability, score } = this.post.update(s.score);
    return { ...s, score, raw: probability, detector: `likelihood(${s.detector ?? this.inner.kind})` };
  }

  toState(): DetectorState {
    return { kind: this.kind, params: this.params, data: { inner: this.inner.toState(), post: this.post.toState() } };
  }

  static fromState(state: DetectorState, factory: DetectorFactory): LikelihoodDetector {
    const data = state.data as { inner: DetectorState; post: LikelihoodState };
    return new LikelihoodDetector(state.params, factory, { inner: factory.restore(data.inner), post: data.post });
  }
}
