/** The one contract every online detector implements. */

/** What a detector says about one point. */
export interface Scored {
  /** In [0, 1]; higher is more anomalous. */
  readonly score: number;
  /** The detector's native score (RCF score, z-score, likelihood, ...), before mapping to [0, 1]. */
  readonly raw: number;
  /** Per-input-column share of the score, when the detector can explain itself. */
  readonly attribution?: readonly number[];
  /** Per input column: was the value unusually high or unusually low (RCF with `explain`). */
  readonly directions?: readonly ('HIGH' | 'LOW')[];
  /** Which detector produced the score (an ensemble passes on its top member's). */
  readonly detector?: string;
  /**
   * Per input column, the range of values the detector expected at this moment (from what it had
   * learned before this point), when it can say.
   */
  readonly expected?: readonly (readonly [number, number])[];
}

/** JSON-safe snapshot of a detector: `restoreDetector(state)` continues exactly where it stopped. */
export interface DetectorState {
  readonly kind: string;
  readonly params: unknown;
  readonly data: unknown;
}

/**
 * Strictly online: `update` scores the point using only earlier points, then learns it.
 * `values` holds one number per input column (the same count every call).
 */
export interface Detector {
  readonly kind: string;
  update(values: ArrayLike<number>, timeMs: number): Scored;
  toState(): DetectorState;
}
