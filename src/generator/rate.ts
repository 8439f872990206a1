import { SluiceError } from '../errors.js';
import { sleep } from '../retry.js';

/** Time as the pacer sees it; tests pass a fake one. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => performance.now(), sleep };

export interface PaceOptions {
  /** Records per second: steady, or a function of the time elapsed since the start (schedules, curves). */
  ratePerSecond: number | ((elapsedMs: number) => number);
  /** How often a batch is released, in ms. Default 100 (so 1000/s comes out as 100 per tick). */
  tickMs?: number;
  /** Stop after this many records. */
  count?: number;
  /** Stop after this long, in ms; records due within the window are still released. */
  durationMs?: number;
  /** Most records one tick may release after a stall (the bucket size). Default one second's worth. */
  burst?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

function positive(field: string, value: number | undefined, fix: string, allowZero = false): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new SluiceError(`Invalid ${field}: ${value}. Fix: ${fix}`, { domain: 'user', code: 'InvalidOption' });
  }
}

/**
 * A token-bucket pacer: yields how many records to produce now, tick after tick, so that the
 * total follows `ratePerSecond`. Tokens accrue with real elapsed time, so a slow consumer is
 * caught up (up to `burst`), and the average rate holds even when sleeps overshoot.
 *
 * @example
 * for await (const n of pace({ ratePerSecond: 500, durationMs: 10_000 })) await produce(n);
 */
export async function* pace(options: PaceOptions): AsyncGenerator<number, void, void> {
  const { count, durationMs, signal } = options;
  const fixed = typeof options.ratePerSecond === 'number' ? options.ratePerSecond : undefined;
  const rateAt = typeof options.ratePerSecond === 'number' ? () => fixed as number : options.ratePerSecond;
  const tickMs = options.tickMs ?? 100;
  positive('rate', fixed, 'use a positive number of records per second, e.g. 100');
  positive('tickMs', tickMs, 'use a positive number of milliseconds, e.g. 100');
  positive('durationMs', durationMs, 'use a non-negative number of milliseconds', true);
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
    throw new SluiceError(`Invalid count: ${count}. Fix: use a whole number of records >= 0`, { domain: 'user', code: 'InvalidOption' });
  }
  const clock = options.clock ?? systemClock;
  const start = clock.now();
  const end = durationMs === undefined ? Infinity : start + durationMs;
  let last = start;
  let tokens = 0;
  let emitted = 0;
  for (;;) {
    if (signal?.aborted || (count !== undefined && emitted >= count)) return;
    const t = Math.min(clock.now(), end);
    const rate = Math.max(0, rateAt(last - start));
    const capacity = Math.max(1, options.burst ?? rate);
    tokens = Math.min(capacity, tokens + ((t - last) * rate) / 1000);
    last = t;
    let n = Math.floor(tokens + 1e-9);
    if (count !== undefined) n = Math.min(n, count - emitted);
    if (n > 0) {
      tokens = Math.max(0, tokens - n);
      emitted += n;
      yield n;
    }
    if (last >= end || signal?.aborted || (count !== undefined && emitted >= count)) return;
    const nextTick = last + tickMs;
    // A fixed low rate sleeps until its next token; a varying rate is looked at every tick.
    const nextToken = fixed !== undefined && tokens < 1 ? last + ((1 - tokens) * 1000) / fixed : nextTick;
    const wait = Math.min(Math.max(nextTick, nextToken), end) - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
  }
}
