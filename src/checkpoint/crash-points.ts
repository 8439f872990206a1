/**
 * Named points in the snapshot protocol where a test can kill the process for real:
 * `SLUICE_CRASH_AT=<point>[@<n>]` sends SIGKILL to this process the n-th time (default the first)
 * it reaches `<point>`. Off unless the variable is set; used by the tests that prove a crash at
 * every step of a snapshot leaves a loadable one (docs/guarantees.md).
 */
export const CRASH_POINTS = ['snapshot-chunks', 'snapshot-head', 'snapshot-checkpoints', 'snapshot-cleanup'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

const seen = new Map<string, number>();

export function crashPoint(point: CrashPoint): void {
  const spec = process.env.SLUICE_CRASH_AT;
  if (!spec) return;
  const [name, nth] = spec.split('@');
  if (name !== point) return;
  const n = (seen.get(point) ?? 0) + 1;
  seen.set(point, n);
  if (n === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
