import { parseDuration } from '../engine/window.js';
import { interruptAllSql } from '../sql/engine.js';

/** How long a stop may take (final batch, checkpoint, closing) before the process exits anyway. */
export const DEFAULT_STOP_TIMEOUT = '30s';

/** Exit codes for a second signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Exits at once. Running DuckDB queries are interrupted first: Node joins its thread pool on exit,
 * so a query left running there would hold the exit for as long as it runs (minutes for a runaway
 * CROSS JOIN).
 */
export function exitNow(code: number): never {
  interruptAllSql();
  process.exit(code);
}

/**
 * SIGINT and SIGTERM: the first calls `onFirst` (a clean stop: final batch, checkpoint); the
 * second exits at once, without a final checkpoint (a restart re-reads from the last one).
 * Returns a function that removes the handlers.
 */
export function onStopSignals(onFirst: (signal: NodeJS.Signals) => void, write: (text: string) => void = (t) => process.stderr.write(t)): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      onFirst(signal);
      return;
    }
    write(`${signal} again: exiting now; the batch in hand is not checkpointed and is read again on restart\n`);
    exitNow(SIGNAL_EXIT[signal] ?? 1);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Runs `stop` with a deadline: past it, the process exits with code 1 and says why. Nothing is
 * lost by exiting then: checkpoints follow durable output, so the unfinished batch is re-read.
 */
export async function stopWithin<T>(stop: () => Promise<T>, timeout: string, write: (text: string) => void = (t) => process.stderr.write(t)): Promise<T> {
  const ms = parseDuration(timeout, '--stop-timeout');
  const deadline = setTimeout(() => {
    write(`sluice: the stop did not finish within --stop-timeout ${timeout}; exiting without a final checkpoint (a restart re-reads from the last one)\n`);
    exitNow(1);
  }, ms);
  deadline.unref();
  try {
    return await stop();
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * Tracks how long AWS calls have kept failing: an outage starts with a consumer error and ends
 * when a checkpoint commits (the pipeline made progress) or when no error came for `quietMs`.
 */
export class OutageClock {
  private since: number | undefined;
  private last = 0;

  constructor(
    readonly windowMs: number,
    private readonly quietMs = 15_000,
  ) {}

  /** Notes an error; returns how long the outage has lasted when it has outlasted the window. */
  error(now = Date.now()): number | undefined {
    if (this.since === undefined || now - this.last > this.quietMs) this.since = now;
    this.last = now;
    const lasted = now - this.since;
    return lasted > this.windowMs ? lasted : undefined;
  }

  progress(): void {
    this.since = undefined;
  }
}
