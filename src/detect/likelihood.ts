/**
 * Anomaly likelihood (the post-processor Numenta's NAB detectors use): judge a raw score by the
 * score's own recent distribution. A short moving average of the raw score is compared with a
 * normal fitted to the moving averages of the last `historicWindow` points (re-fitted every
 * `reestimationPeriod`), giving the probability `P(N < avg)`. Only the first point of a run above
 * `redThreshold` stays red (later ones are held to `yellowThreshold`), and the probability is
 * log-scaled so that 0.5 is 1 - 1e-5 and 1 is 1 - 1e-10. Strictly causal: a point is judged
 * against points before it.
 */
import { z } from 'zod';
import { decodeF64, encodeF64 } from './codec.js';

export const likelihoodParamsSchema = z
  .object({
    learningPeriod: z.number().int().min(0).default(300),
    estimationSamples: z.number().int().min(10).default(300),
    historicWindow: z.number().int().min(20).default(8640),
    reestimationPeriod: z.number().int().min(1).default(100),
    averagingWindow: z.number().int().min(1).default(10),
    /** Floor on the fitted standard deviation, in units of the raw score. */
    minStd: z.number().gt(0).default(0.01),
    redThreshold: z.number().min(0).max(1).default(0.99999),
    yellowThreshold: z.number().min(0).max(1).default(0.999),
    logScale: z.boolean().default(true),
  })
  .strict();
export type LikelihoodParams = z.output<typeof likelihoodParamsSchema>;

export interface LikelihoodState {
  count: number;
  /** Past moving averages, oldest first (base64 Float64Array). */
  history: string;
  recent: number[];
  recentSum: number;
  mean: number;
  std: number;
  estimatedAt: number;
  prev: number;
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

const LOG_FLOOR = Math.log(1 - 0.9999999999);

/** Maps a probability near 1 onto [0, 1] so thresholds keep resolution: 1 - 1e-5 -> 0.5. */
export function logScale(p: number): number {
  return Math.min(1, Math.max(0, Math.log(1.0000000001 - p) / LOG_FLOOR));
}

export class AnomalyLikelihood {
  readonly params: LikelihoodParams;
  private s: Omit<LikelihoodState, 'history'>;
  /** Ring buffer of past moving averages, oldest at `head` once full. */
  private ring: Float64Array;
  private head = 0;
  private filled = 0;

  constructor(params: Partial<LikelihoodParams> = {}, state?: LikelihoodState) {
    this.params = likelihoodParamsSchema.parse(params);
    this.ring = new Float64Array(this.params.historicWindow);
    this.s = state
      ? { ...state, recent: [...state.recent] }
      : { count: 0, recent: [], recentSum: 0, mean: 0, std: 1, estimatedAt: -1, prev: 0 };
    if (state) for (const v of decodeF64(state.history)) this.push(v);
  }

  private push(v: number): void {
    const n = this.ring.length;
    if (this.filled < n) this.ring[(this.head + this.filled++) % n] = v;
    else {
      this.ring[this.head] = v;
      this.head = (this.head + 1) % n;
    }
  }

  /** The calibrated probability that this raw score is unusual (log-scaled if configured). */
  update(raw: number): { probability: number; score: number } {
    const p = this.params;
    const s = this.s;
    s.recent.push(raw);
    s.recentSum += raw;
    if (s.recent.length > p.averagingWindow) s.recentSum -= s.recent.shift()!;
    const avg = s.recentSum / s.recent.length;
    const t = s.count++;
    let probability = 0.5;
    if (t >= p.learningPeriod + p.estimationSamples) {
      if (s.estimatedAt < 0 || t - s.estimatedAt >= p.reestimationPeriod) this.estimate(t);
      probability = normalCdf((avg - s.mean) / s.std);
      const raw = probability;
      if (raw > p.redThreshold && s.prev > p.redThreshold) probability = Math.min(probability, p.yellowThreshold);
      s.prev = raw;
    }
    if (t >= p.learningPeriod) this.push(avg);
    return { probability, score: p.logScale ? logScale(probability) : probability };
  }

  private estimate(t: number): void {
    const h = this.ring;
    const n = this.filled;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += h[i]!;
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (h[i]! - mean) * (h[i]! - mean);
    this.s.mean = mean;
    this.s.std = Math.max(Math.sqrt(sq / n), this.params.minStd);
    this.s.estimatedAt = t;
  }

  toState(): LikelihoodState {
    const n = this.ring.length;
    const history = encodeF64(Float64Array.from({ length: this.filled }, (_, i) => this.ring[(this.head + i) % n]!));
    return { ...this.s, history, recent: [...this.s.recent] };
  }
}
