import { invalidOption } from '../errors.js';

/**
 * Processing-time windows over micro-batches, as Spark Streaming's `window(length, slide)`:
 * - `none`: queries see only the current batch;
 * - `sliding`: every `slideMs` queries see the batches of the last `lengthMs`;
 * - `tumbling`: every `lengthMs` queries see the batches since the last firing.
 * Lengths and slides are whole multiples of the batch interval.
 */
export type WindowSpec =
  | { kind: 'none' }
  | { kind: 'sliding'; lengthMs: number; slideMs?: number }
  | { kind: 'tumbling'; lengthMs: number };

export interface WindowPlan {
  /** Fire every `every` batches. */
  every: number;
  /** The window spans this many batches (0 = current batch only). */
  spanBatches: number;
  lengthMs: number;
}

export function planWindow(spec: WindowSpec, batchIntervalMs: number): WindowPlan {
  if (spec.kind === 'none') return { every: 1, spanBatches: 1, lengthMs: batchIntervalMs };
  const length = spec.lengthMs;
  const slide = spec.kind === 'tumbling' ? length : (spec.slideMs ?? batchIntervalMs);
  const check = (field: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0 || Math.round(v / batchIntervalMs) * batchIntervalMs !== v) {
      throw invalidOption(field, v, `use a positive multiple of the batch interval (${batchIntervalMs} ms)`);
    }
  };
  check('window.length', length);
  check('window.slide', slide);
  if (slide > length) throw invalidOption('window.slide', slide, `a slide longer than the window length (${length} ms) would skip batches; use slide <= length`);
  return { every: slide / batchIntervalMs, spanBatches: length / batchIntervalMs, lengthMs: length };
}

/** Parses durations written in config: `20s`, `100ms`, `1m`, `1.5s`, or a number of milliseconds. */
export function parseDuration(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
    throw invalidOption(field, value, 'use a positive duration such as 1000 (ms), "100ms", "20s" or "1m"');
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) throw invalidOption(field, value, 'use a duration such as "100ms", "20s", "1m" or a number of milliseconds');
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const ms = n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  if (ms <= 0) throw invalidOption(field, value, 'use a positive duration');
  return Math.round(ms);
}
