/**
 * The Numenta Anomaly Benchmark scoring rules, as documented in `../shared/data/nab/README.md`:
 * probation, scaled sigmoid worth of each row, one detection per window, and a corpus-wide
 * threshold sweep per profile.
 */

export interface NabProfile {
  readonly name: string;
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
}

export const NAB_PROFILES = {
  standard: { name: 'standard', tp: 1.0, fn: 1.0, fp: 0.11 },
  reward_low_FP_rate: { name: 'reward_low_FP_rate', tp: 1.0, fn: 1.0, fp: 0.22 },
  reward_low_FN_rate: { name: 'reward_low_FN_rate', tp: 1.0, fn: 2.0, fp: 0.11 },
} as const satisfies Record<string, NabProfile>;

/** A labelled file: its length and its windows as inclusive row ranges `[L, R]`, in order. */
export interface LabeledSeries {
  readonly name: string;
  readonly length: number;
  readonly windows: readonly (readonly [number, number])[];
}

/** Rows at the start of a file that are never scored: `min(floor(0.15 n), 750)`. */
export function probationLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

/** NAB's scaled sigmoid: -1 beyond 3, else `2 / (1 + e^(5x)) - 1`. */
export function scaledSigmoid(x: number): number {
  return x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1;
}

export interface RowWorths {
  /** What a detection at each row is worth under the profile. */
  readonly worth: Float64Array;
  /** Index of the window holding each row, or -1 outside every window. */
  readonly windowOf: Int32Array;
}

/** The worth of a detection at every row of a file (rule 3 and rule 4 of the README). */
export function rowWorths(series: LabeledSeries, profile: NabProfile): RowWorths {
  const n = series.length;
  const worth = new Float64Array(n);
  const windowOf = new Int32Array(n).fill(-1);
  const maxTp = scaledSigmoid(-1);
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    while (w < series.windows.length && series.windows[w]![1] < i) {
      prevEnd = series.windows[w]![1];
      prevWidth = series.windows[w]![1] - series.windows[w]![0] + 1;
      w++;
    }
    const win = series.windows[w];
    if (win !== undefined && i >= win[0] && i <= win[1]) {
      const width = win[1] - win[0] + 1;
      worth[i] = (scaledSigmoid(-(win[1] - i + 1) / width) * profile.tp) / maxTp;
      windowOf[i] = w;
    } else if (prevEnd < 0) {
      worth[i] = -profile.fp;
    } else {
      // A one-row window has w' - 1 = 0: every later row is "far" past it (sigma -> -1).
      const pos = prevWidth > 1 ? Math.abs(prevEnd - i) / (prevWidth - 1) : Number.POSITIVE_INFINITY;
      worth[i] = scaledSigmoid(pos) * profile.fp;
    }
  }
  return { worth, windowOf };
}

/** The raw score S of one file at one threshold (rule 5). */
export function scoreFile(
  scores: ArrayLike<number>,
  series: LabeledSeries,
  profile: NabProfile,
  threshold: number,
): number {
  if (scores.length !== series.length) {
    throw new RangeError(`${series.name}: ${scores.length} scores for ${series.length} rows`);
  }
  const { worth, windowOf } = rowWorths(series, profile);
  const best = new Float64Array(series.windows.length).fill(Number.NEGATIVE_INFINITY);
  let s = 0;
  for (let i = probationLength(series.length); i < series.length; i++) {
    if (!(scores[i]! >= threshold)) continue;
    const w = windowOf[i]!;
    if (w >= 0) best[w] = Math.max(best[w]!, worth[i]!);
    else s += worth[i]!;
  }
  for (const b of best) s += b === Number.NEGATIVE_INFINITY ? -profile.fn : b;
  return s;
}

export interface CorpusScore {
  readonly profile: string;
  readonly threshold: number;
  readonly raw: number;
  readonly nullRaw: number;
  readonly perfectRaw: number;
  /** `100 * (S - S_null) / (S_perfect - S_null)`. */
  readonly normalized: number;
}

/**
 * Picks the one threshold that maximises the corpus raw score, trying every distinct score value
 * from high to low (plus "never fire"), and normalises it.
 */
export function sweepCorpus(
  runs: readonly { readonly series: LabeledSeries; readonly scores: ArrayLike<number> }[],
  profile: NabProfile,
): CorpusScore {
  let total = 0;
  for (const r of runs) total += r.series.length - probationLength(r.series.length);
  const score = new Float64Array(total);
  const worth = new Float64Array(total);
  const win = new Int32Array(total);
  let k = 0;
  let windows = 0;
  for (const r of runs) {
    if (r.scores.length !== r.series.length) {
      throw new RangeError(`${r.series.name}: ${r.scores.length} scores for ${r.series.length} rows`);
    }
    const rw = rowWorths(r.series, profile);
    for (let i = probationLength(r.series.length); i < r.series.length; i++, k++) {
      const s = r.scores[i]!;
      score[k] = Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
      worth[k] = rw.worth[i]!;
      win[k] = rw.windowOf[i]! < 0 ? -1 : windows + rw.windowOf[i]!;
    }
    windows += r.series.windows.length;
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const nullRaw = -profile.fn * windows;
  const perfectRaw = profile.tp * windows;
  const best = new Float64Array(windows).fill(Number.NEGATIVE_INFINITY);
  let s = nullRaw;
  let bestS = nullRaw;
  let bestThreshold = Number.POSITIVE_INFINITY;
  for (let j = 0; j < total; ) {
    const t = score[order[j]!]!;
    if (t === Number.NEGATIVE_INFINITY) break;
    for (; j < total && score[order[j]!] === t; j++) {
      const i = order[j]!;
      const w = win[i]!;
      if (w < 0) s += worth[i]!;
      else if (best[w] === Number.NEGATIVE_INFINITY) {
        s += worth[i]! + profile.fn;
        best[w] = worth[i]!;
      } else if (worth[i]! > best[w]!) {
        s += worth[i]! - best[w]!;
        best[w] = worth[i]!;
      }
    }
    if (s > bestS + 1e-12) {
      bestS = s;
      bestThreshold = t;
    }
  }
  const denom = perfectRaw - nullRaw;
  return {
    profile: profile.name,
    threshold: bestThreshold,
    raw: bestS,
    nullRaw,
    perfectRaw,
    normalized: denom === 0 ? 0 : (100 * (bestS - nullRaw)) / denom,
  };
}
