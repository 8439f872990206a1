/**
 * Contextual detector, in the spirit of CAD OSE (Contextual Anomaly Detector, Open Source Edition,
 * Mikhail Smirnov 2016; github.com/smirmik/CAD, in NAB's `nab/detectors/context_ose`): a point
 * is anomalous when the context it completes was not predicted by what was learned. Sources: the
 * CAD OSE description in NAB (values quantised into a few levels; "contexts" are sequences of
 * recent facts; the anomaly score is the share of the current contexts that were not predicted;
 * a rest period after an alert). Written from that description; no code copied. Unlike CAD OSE,
 * it is not given each file's min/max: the level width is fixed from the values seen during
 * `warmup` (levels outside that range are simply further levels).
 *
 * Per column, each value becomes a level `floor((x - origin) / width)`. For each order
 * k = 1..`order`, the context is the last k levels; the learned facts are the transitions
 * "context -> next level" (bounded: `maxFacts` in all, least recently confirmed forgotten first).
 * Raw score: the share of orders 0..order whose transition to this level was never seen (order 0:
 * the level itself is new). Expected range: the levels the longest known context predicted.
 */
import { z } from 'zod';
import type { Detector, DetectorState, Scored } from './types.js';

export const cadParamsSchema = z
  .object({
    /** Levels across the range seen during warm-up. */
    levels: z.number().int().min(2).max(1024).default(16),
    order: z.number().int().min(1).max(3).default(3),
    maxFacts: z.number().int().min(16).max(1_000_000).default(2048),
    warmup: z.number().int().min(2).default(150),
  })
  .strict();
export type CadParams = z.output<typeof cadParamsSchema>;

// levels clamp to 11 bits; a fact key packs the order (2 bits) and up to 4 levels into 46 bits, exact in a double
const LEVEL_BITS = 11;
const LEVEL_SPAN = 1 << LEVEL_BITS;
const LEVEL_MIN = -(LEVEL_SPAN >> 2);

interface CadData {
  seen: number;
  min: number[];
  max: number[];
  origin: number[];
  width: number[];
  /** Per column, the last `order` levels, oldest first. */
  recent: number[][];
  /** Facts, least recently confirmed first: [column, key]. */
  facts: [number, number][];
}

export class CadDetector implements Detector {
  readonly kind = 'cad';
  readonly params: CadParams;
  private seen = 0;
  private min: number[] = [];
  private max: number[] = [];
  private origin: number[] = [];
  private width: number[] = [];
  private recent: number[][] = [];
  /** Per column, a Map used as an LRU set of fact keys. */
  private facts: Map<number, true>[] = [];
  private factCount = 0;

  constructor(params: Partial<CadParams> = {}) {
    this.params = cadParamsSchema.parse(params);
  }

  private level(c: number, x: number): number {
    const l = Math.floor((x - this.origin[c]!) / this.width[c]!);
    return Math.min(LEVEL_SPAN + LEVEL_MIN - 1, Math.max(LEVEL_MIN, l)) - LEVEL_MIN;
  }

  /** Key of "the last k levels, then `next`" (k = 0: the level alone). */
  private key(hist: number[], k: number, next: number): number {
    let key = k;
    for (let i = hist.length - k; i < hist.length; i++) key = key * LEVEL_SPAN + hist[i]!;
    return key * LEVEL_SPAN + next;
  }

  update(values: ArrayLike<number>, _timeMs: number): Scored {
    const { order, warmup, levels, maxFacts } = this.params;
    const C = values.length;
    if (this.min.length === 0) {
      for (let c = 0; c < C; c++) {
        this.min.push(values[c]!);
        this.max.push(values[c]!);
        this.recent.push([]);
        this.facts.push(new Map());
      }
    }
    this.seen++;
    if (this.seen <= warmup) {
      for (let c = 0; c < C; c++) {
        this.min[c] = Math.min(this.min[c]!, values[c]!);
        this.max[c] = Math.max(this.max[c]!, values[c]!);
      }
      if (this.seen === warmup) {
        for (let c = 0; c < C; c++) {
          const range = this.max[c]! - this.min[c]!;
          const w = range > 0 ? range / levels : Math.max(Math.abs(this.min[c]!) * 0.01, 1e-9);
          this.origin[c] = this.min[c]!;
          this.width[c] = w;
        }
      }
      return { score: 0, raw: 0, detector: this.kind };
    }
    let raw = 0;
    const attribution: number[] = [];
    const expected: [number, number][] = [];
    for (let c = 0; c < C; c++) {
      const lv = this.level(c, values[c]!);
      const hist = this.recent[c]!;
      const facts = this.facts[c]!;
      let missed = 0;
      let orders = 0;
      const k = Math.min(order, hist.length);
      // expected: the level nearest this one that the longest context had been followed by
      let ref: number | undefined = facts.has(this.key(hist, k, lv)) ? lv : undefined;
      for (let d = 1; d <= levels && ref === undefined; d++) {
        if (lv - d >= 0 && facts.has(this.key(hist, k, lv - d))) ref = lv - d;
        else if (lv + d < LEVEL_SPAN && facts.has(this.key(hist, k, lv + d))) ref = lv + d;
      }
      for (let o = 0; o <= k; o++) {
        orders++;
        const key = this.key(hist, o, lv);
        if (facts.has(key)) facts.delete(key);
        else {
          missed++;
          this.factCount++;
        }
        facts.set(key, true);
      }
      const share = missed / orders;
      attribution.push(share);
      if (share > raw) raw = share;
      // nothing predicted: the range seen during warm-up
      const lo = ref === undefined ? this.min[c]! : this.origin[c]! + (ref + LEVEL_MIN) * this.width[c]!;
      expected.push(ref === undefined ? [lo, this.max[c]!] : [lo, lo + this.width[c]!]);
      hist.push(lv);
      if (hist.length > order) hist.shift();
    }
    // forget the least recently confirmed facts beyond the budget (oldest first in each column's Map)
    while (this.factCount > maxFacts) {
      let c = 0;
      for (let i = 1; i < C; i++) if (this.facts[i]!.size > this.facts[c]!.size) c = i;
      const oldest = this.facts[c]!.keys().next().value!;
      this.facts[c]!.delete(oldest);
      this.factCount--;
    }
    return { score: raw, raw, attribution, expected, detector: this.kind };
  }

  toState(): DetectorState {
    const facts: [number, number][] = [];
    this.facts.forEach((m, c) => {
      for (const k of m.keys()) facts.push([c, k]);
    });
    const data: CadData = {
      seen: this.seen,
      min: [...this.min],
      max: [...this.max],
      origin: [...this.origin],
      width: [...this.width],
      recent: this.recent.map((r) => [...r]),
      facts,
    };
    return { kind: this.kind, params: this.params, data };
  }

  static fromState(state: DetectorState): CadDetector {
    const d = new CadDetector(state.params as Partial<CadParams>);
    const data = state.data as CadData;
    d.seen = data.seen;
    d.min = [...data.min];
    d.max = [...data.max];
    d.origin = [...data.origin];
    d.width = [...data.width];
    d.recent = data.recent.map((r) => [...r]);
    d.facts = data.min.map(() => new Map<number, true>());
    for (const [c, k] of data.facts) d.facts[c]!.set(k, true);
    d.factCount = data.facts.length;
    return d;
  }
}
