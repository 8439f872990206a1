import { readFileSync } from 'node:fs';

/**
 * The engine's two clocks. `monotonicMs` (performance.now) measures intervals and schedules
 * batches: it never steps. `wallMs` is the system clock, used only for times that are stored or
 * shown (batch and pane times, dead letters' times). Injectable so tests can step the wall clock.
 */
export interface Clock {
  monotonicMs(): number;
  wallMs(): number;
}

/**
 * For tests only: `SLUICE_TEST_CLOCK_FILE` names a file holding a number of milliseconds added to
 * the wall clock, read again on every call, so a test steps a running process's wall clock by
 * rewriting the file (an empty or missing file is 0). Lets `npm test` step a real `sluice run`
 * process's clock without libfaketime.
 */
function wallOffsetMs(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim() || 0);
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}

export function systemClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const file = env.SLUICE_TEST_CLOCK_FILE;
  return {
    monotonicMs: () => performance.now(),
    wallMs: file ? () => Date.now() + wallOffsetMs(file) : () => Date.now(),
  };
}

/**
 * Processing time: the wall clock, but never backwards. It follows the wall clock while that
 * moves forward; when the wall clock steps back, it keeps counting from where it was at the
 * monotonic clock's pace (so it stays ahead of the wall clock by the step until the process
 * restarts); a step forward is followed at once (as a pause would be). Batch times, and so
 * processing-time panes, come from here: a step back neither stalls the batch loop nor sends
 * records to panes that already fired.
 */
export class ProcessingTime {
  private last: number;
  private lastMono: number;

  constructor(private readonly clock: Clock) {
    this.last = clock.wallMs();
    this.lastMono = clock.monotonicMs();
  }

  now(): number {
    const mono = this.clock.monotonicMs();
    const t = Math.max(this.clock.wallMs(), this.last + (mono - this.lastMono));
    this.last = t;
    this.lastMono = mono;
    return t;
  }
}
