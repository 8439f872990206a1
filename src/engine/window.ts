import { invalidOption } from '../errors.js';
import type { EventTimeSpec } from './event-time/windows.js';

/**
 * Processing-time windows, as Spark Streaming's `window(length, slide)`, measured in time, not in
 * batches: a record belongs to the pane of the slide in which the engine took it in (its batch's
 * time), and a window is the last `length / slide` panes. A slow batch or a burst of small
 * catch-up batches does not stretch a "20 s" window: it holds the records taken in during the
 * last 20 s.
 * - `none`: queries see only the current batch;
 * - `sliding`: at the end of every slide, queries see the panes of the last `lengthMs`;
 * - `tumbling`: slide = length.
 * Lengths and slides are whole multiples of the batch interval, and the length of the slide.
 */
export type WindowSpec =
  | { kind: 'none' }
  | { kind: 'sliding'; lengthMs: number; slideMs?: number; eventTime?: EventTimeOptions }
  | { kind: 'tumbling'; lengthMs: number; eventTime?: EventTimeOptions };

/** Windows over a column of event time instead of processing time (see event-time/windows.ts). */
export type EventTimeOptions = Pick<EventTimeSpec, 'column' | 'delayMs' | 'idleMs' | 'mode'>;

export interface WindowPlan {
  /** False for `none`: outputs see the current batch only. */
  windowed: boolean;
  slideMs: number;
  lengthMs: number;
  /** Panes (slides) per window. */
  panes: number;
  batchIntervalMs: number;
  /** Present for event-time windows: then panes are not used, windows follow the watermark. */
  eventTime?: EventTimeSpec;
}

export function planWindow(spec: WindowSpec, batchIntervalMs: number): WindowPlan {
  if (spec.kind === 'none') return { windowed: false, slideMs: batchIntervalMs, lengthMs: batchIntervalMs, panes: 1, batchIntervalMs };
  const length = spec.lengthMs;
  if (spec.kind === 'sliding' && spec.eventTime && spec.slideMs === undefined) {
    throw invalidOption('window.slide', undefined, 'an event-time sliding window needs its slide, such as "10s" (a window starts every slide)');
  }
  const slide = spec.kind === 'tumbling' ? length : (spec.slideMs ?? batchIntervalMs);
  const check = (field: string, v: number) => {
    if (!Number.isFinite(v) || v <= 0 || Math.round(v / batchIntervalMs) * batchIntervalMs !== v) {
      throw invalidOption(field, v, `use a positive multiple of the batch interval (${batchIntervalMs} ms)`);
    }
  };
  if (spec.eventTime) {
    // Event time: any positive length and slide, whole slides per window.
    for (const [field, v] of [['window.length', length], ['window.slide', slide]] as const) {
      if (!Number.isFinite(v) || v <= 0 || !Number.isInteger(v)) throw invalidOption(field, v, 'use a positive whole number of milliseconds, such as "1m" or "10s"');
    }
  } else {
    check('window.length', length);
    check('window.slide', slide);
  }
  if (slide > length) throw invalidOption('window.slide', slide, `a slide longer than the window length (${length} ms) would skip records; use slide <= length`);
  if (length % slide !== 0) throw invalidOption('window.slide', slide, `the window length (${length} ms) must be a whole number of slides`);
  const plan: WindowPlan = { windowed: true, slideMs: slide, lengthMs: length, panes: length / slide, batchIntervalMs };
  if (spec.eventTime) plan.eventTime = { ...spec.eventTime, lengthMs: length, slideMs: slide };
  return plan;
}

/** The pane a batch taken in at `batchTimeMs` belongs to. */
export function paneOf(plan: WindowPlan, batchTimeMs: number): number {
  return Math.floor(batchTimeMs / plan.slideMs);
}

/**
 * The newest pane that is complete once the batch at `batchTimeMs` is processed: the batch's own
 * pane when the next batch (one interval later) falls in a later pane, else the one before. The
 * window fires when this moves past the last pane it fired for; `final` (a clean stop) closes
 * the batch's own pane at once.
 */
export function closedPane(plan: WindowPlan, batchTimeMs: number, final = false): number {
  if (final) return paneOf(plan, batchTimeMs);
  return paneOf(plan, batchTimeMs + plan.batchIntervalMs) - 1;
}

/**
 * Parses durations written in config: `20s`, `100ms`, `1m`, `1.5s`, or a number of milliseconds.
 * Positive, unless `allowZero` (a watermark delay of `0s`: no disorder allowed).
 */
export function parseDuration(value: string | number, field: string, { allowZero = false } = {}): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && (value > 0 || (allowZero && value === 0))) return value;
    throw invalidOption(field, value, 'use a positive duration such as 1000 (ms), "100ms", "20s" or "1m"');
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) throw invalidOption(field, value, 'use a duration such as "100ms", "20s", "1m" or a number of milliseconds');
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const ms = n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  if (ms < 0 || (ms === 0 && !allowZero)) throw invalidOption(field, value, 'use a positive duration');
  return Math.round(ms);
}
