/**
 * Random Cut Forest (Guha et al., ICML 2016; the open RCF library's design) with internal
 * shingling. The raw score has the meaning of Kinesis Data Analytics' `RANDOM_CUT_FOREST`:
 * around 1 for ordinary points, larger (up to about log2(sampleSize + 1)) the easier a point is
 * to isolate. Attribution splits it per input column like `RANDOM_CUT_FOREST_WITH_EXPLANATION`.
 */
import { z } from 'zod';
import { Rng } from '../random.js';
import type { Detector, DetectorState, Scored } from '../types.js';
import { SluiceError } from '../../errors.js';
import { DecayedSamplers, type SamplersState } from './sampler.js';
import { RandomCutTrees, type TreesState } from './tree.js';

export const rcfParamsSchema = z
  .object({
    numberOfTrees: z.number().int().min(1).max(1000).default(100),
    sampleSize: z.number().int().min(4).max(4096).default(256),
    /** Decay per point of the sample's weights; about `1 / timeDecay` points of memory. */
    timeDecay: z.number().min(0).max(1).default(1 / 2560),
    shingleSize: z.number().int().min(1).max(64).default(1),
    /**
     * Share of each tree's internal nodes that keep their bounding box (the open RCF library's
     * `boundingBoxCacheFraction`): 0 recomputes every box from the points below (least memory),
     * 1 keeps them all (fastest). Scores are identical either way.
     */
    boxCache: z.number().min(0).max(1).default(0.3),
    /** Points seen before the forest reports anything but 0. */
    outputAfter: z.number().int().min(1).optional(),
    /** Divide each column by its running scale before shingling, so columns weigh alike. */
    normalize: z.boolean().default(false),
    /**
     * Add the time of day (UTC) as two context columns (sine, cosine of the daily phase), so a
     * value is judged against what is usual at that hour: daily cycles are common in metrics.
     */
    timeOfDay: z.boolean().default(false),
    seed: z.number().int().default(42),
    /** Per-column attribution with direction; on by default when scoring more than one column. */
    explain: z.boolean().optional(),
  })
  .strict();
export type RcfParams = z.output<typeof rcfParamsSchema>;

const DAY = 86_400_000;
/** A cut's dimension is stored in one byte. */
const MAX_DIMENSIONS = 255;

/** Checkpoint layout 2: every tree and sampler in flat arrays (layout 1 had one object per tree). */
interface RcfData {
  layout: 2;
  rng: number;
  seen: number;
  shingle: number[];
  trees: TreesState;
  samplers: SamplersState;
  scale: number[];
}

export class RandomCutForest implements Detector {
  readonly kind = 'rcf';
  readonly params: RcfParams;
  private rng: Rng;
  private seen = 0;
  private columns = -1;
  private shingle: Float64Array = new Float64Array(0);
  private trees!: RandomCutTrees;
  private samplers!: DecayedSamplers;
  private scale: Float64Array = new Float64Array(0);
  /** The shingle as the trees hold it (float32 values). */
  private point: Float64Array = new Float64Array(0);

  constructor(params: Partial<RcfParams> = {}) {
    this.params = rcfParamsSchema.parse(params);
    this.rng = new Rng(this.params.seed);
  }

  private init(inputs: number): void {
    const { numberOfTrees, sampleSize, shingleSize } = this.params;
    const columns = inputs + (this.params.timeOfDay ? 2 : 0);
    this.columns = columns;
    const dims = columns * shingleSize;
    if (dims > MAX_DIMENSIONS) {
      throw new SluiceError(
        `Invalid rcf input: ${inputs} column(s)${this.params.timeOfDay ? ' + 2 time-of-day' : ''} x shingleSize ${shingleSize} = ${dims} dimensions; at most ${MAX_DIMENSIONS}. Fix: score fewer columns per model or use a smaller shingleSize.`,
        { domain: 'user', code: 'InvalidOption' },
      );
    }
    this.shingle = new Float64Array(dims);
    this.point = new Float64Array(dims);
    this.scale = new Float64Array(2 * columns); // per column: EW mean of |x|, count
    this.trees = new RandomCutTrees(numberOfTrees, sampleSize, dims, this.params.boxCache);
    this.samplers = new DecayedSamplers(numberOfTrees, sampleSize);
  }

  get dimensions(): number {
    return this.columns * this.params.shingleSize;
  }

  update(values: ArrayLike<number>, timeMs: number): Scored {
    if (this.columns < 0) this.init(values.length);
    const c = this.columns;
    const { shingleSize, sampleSize, timeDecay } = this.params;
    // shift the shingle left by one point and append the new one
    this.shingle.copyWithin(0, c);
    const base = (shingleSize - 1) * c;
    const inputs = this.params.timeOfDay ? c - 2 : c;
    for (let j = 0; j < inputs; j++) this.shingle[base + j] = this.normalized(j, values[j]!);
    if (this.params.timeOfDay) {
      const phase = (2 * Math.PI * (((timeMs % DAY) + DAY) % DAY)) / DAY;
      this.shingle[base + inputs] = this.normalized(inputs, Math.sin(phase));
      this.shingle[base + inputs + 1] = this.normalized(inputs + 1, Math.cos(phase));
    }
    this.seen++;
    if (this.seen < shingleSize) return { score: 0, raw: 0 };
    const p = this.point;
    for (let d = 0; d < p.length; d++) p[d] = Math.fround(this.shingle[d]!);
    const outputAfter = this.params.outputAfter ?? Math.max(1, sampleSize >> 2);
    const ready = this.seen - shingleSize + 1 > outputAfter;
    let raw = 0;
    const explain = this.params.explain ?? inputs > 1;
    const attr = explain && ready ? new Float64Array(2 * p.length) : undefined;
    const trees = this.trees;
    const samplers = this.samplers;
    const T = trees.count;
    if (ready) {
      for (let i = 0; i < T; i++) raw += trees.score(i, p, attr);
      raw /= T;
    }
    const t = this.seen;
    for (let i = 0; i < T; i++) {
      const w = -timeDecay * t + Math.log(-Math.log(this.rng.nextOpen()));
      if (!samplers.accepts(i, w)) continue;
      const out = samplers.evictionCandidate(i);
      if (out >= 0) trees.remove(i, out);
      samplers.add(i, w, trees.insert(i, p, this.rng));
    }
    const score = raw / (raw + 1);
    if (attr === undefined) return inputs === 1 && ready ? { score, raw, attribution: [raw] } : { score, raw };
    // fold the shingle's dimensions back onto the input columns (time-of-day context excluded)
    const D = p.length;
    const low = new Array<number>(inputs).fill(0);
    const high = new Array<number>(inputs).fill(0);
    for (let d = 0; d < D; d++) {
      if (d % c >= inputs) continue;
      low[d % c]! += attr[d]! / T;
      high[d % c]! += attr[D + d]! / T;
    }
    return {
      score,
      raw,
      attribution: low.map((l, j) => l + high[j]!),
      directions: low.map((l, j) => (high[j]! >= l ? 'HIGH' : 'LOW')),
    };
  }

  /** `x` divided by the running mean of |x| of the points before it (the first point scales itself). */
  private normalized(j: number, x: number): number {
    if (!this.params.normalize) return x;
    const n = ++this.scale[2 * j + 1]!;
    if (n === 1) this.scale[2 * j] = Math.abs(x);
    const s = this.scale[2 * j]!;
    const a = Math.max(1 / n, 1e-3);
    this.scale[2 * j] = s + a * (Math.abs(x) - s);
    return s > 0 ? x / s : x;
  }

  toState(): DetectorState {
    if (this.columns < 0) return { kind: this.kind, params: this.params, data: null };
    const data: RcfData = {
      layout: 2,
      rng: this.rng.state,
      seen: this.seen,
      shingle: Array.from(this.shingle),
      trees: this.trees.toState(),
      samplers: this.samplers.toState(),
      scale: Array.from(this.scale),
    };
    return { kind: this.kind, params: this.params, data };
  }

  static fromState(state: DetectorState): RandomCutForest {
    const f = new RandomCutForest(state.params as Partial<RcfParams>);
    const data = state.data as RcfData | null;
    if (data === null) return f;
    if (data.layout !== 2) {
      throw new SluiceError(
        'Invalid rcf state: written by an older Sluice (one object per tree; the forest now keeps float32 points in flat arrays, so it cannot continue exactly). Fix: start this model afresh (delete its checkpoint).',
        { domain: 'user', code: 'InvalidDetectorState' },
      );
    }
    const { numberOfTrees, sampleSize, shingleSize } = f.params;
    const dims = data.shingle.length;
    f.columns = dims / shingleSize;
    f.rng = new Rng(data.rng);
    f.seen = data.seen;
    f.shingle = Float64Array.from(data.shingle);
    f.point = new Float64Array(dims);
    f.scale = Float64Array.from(data.scale);
    f.trees = RandomCutTrees.fromState(numberOfTrees, sampleSize, dims, f.params.boxCache, data.trees);
    f.samplers = DecayedSamplers.fromState(numberOfTrees, sampleSize, data.samplers);
    return f;
  }
}
