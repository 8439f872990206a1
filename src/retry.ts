import { SluiceError } from './errors.js';
import { notifyAwsRetry } from './aws/aws-call.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 8. */
  retries?: number;
  /** First delay in ms. Default 50. */
  initialDelayMs?: number;
  /** Upper bound on one delay in ms. Default 5000. */
  maxDelayMs?: number;
  /** Multiplier per attempt. Default 2. */
  factor?: number;
  /** Called before each wait, for instrumentation. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** True only for errors that say so. Unknown errors are not retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof SluiceError && error.retriable;
}

/**
 * Full-jitter exponential backoff for attempt `n` (0-based): a uniform draw from
 * [0, min(cap, base * factor^n)], as AWS' "Exponential Backoff and Jitter" recommends. Full
 * jitter spreads the retries of many throttled callers (one per shard) instead of letting them
 * return in step and be throttled again together.
 */
export function backoffDelay(n: number, opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'> = {}, random: () => number = Math.random): number {
  const base = opts.initialDelayMs ?? 50;
  const cap = opts.maxDelayMs ?? 5000;
  const factor = opts.factor ?? 2;
  const ceiling = Math.min(cap, base * factor ** Math.min(n, 60));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, throws a non-retriable error, or attempts run out.
 * Reads only `error.retriable` (see {@link SluiceError}); classify AWS errors before they get here.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.retries ?? 8;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      lastError = error;
      if (!isRetriable(error) || attempt === attempts - 1 || opts.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, opts);
      opts.onRetry?.(error, attempt, delay);
      notifyAwsRetry(error, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
  throw lastError;
}
