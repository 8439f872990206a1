/**
 * Named points in the snapshot protocol and the lease handoff where a test can kill the process for real:
 * `SLUICE_CRASH_AT=<point>[@<n>]` sends SIGKILL to this process the n-th time (default the first)
 * it reaches `<point>`. Off unless the variable is set; used by the tests that prove a crash at
 * every step of a snapshot leaves a loadable one (docs/guarantees.md).
 */
export const CRASH_POINTS = ['snapshot-chunks', 'snapshot-head', 'snapshot-shard', 'snapshot-checkpoints', 'snapshot-cleanup'] as const;
/** Points in a clean stop's lease handoff (test/integration/handoff.test.ts). */
export const LEASE_CRASH_POINTS = ['handoff-transfer'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number] | (typeof LEASE_CRASH_POINTS)[number];
/**
 * When each point is reached: `snapshot-chunks` after every new chunk is written (nothing
 * current yet); `snapshot-head` after the whole-state head (only with whole-state holders);
 * `snapshot-shard` after the first shard's checkpoint naming its keyed state, before the other
 * shards' (only with partitioned holders); `snapshot-checkpoints` after every shard's checkpoint;
 * `snapshot-cleanup` after the replaced versions' chunks are deleted; `handoff-transfer` on a clean
 * stop, after a lease is transferred to its next owner and before that owner is told (its inbox).
 */
export const CRASH_POINT_APPLIES: Record<(typeof CRASH_POINTS)[number], 'always' | 'whole' | 'partitioned'> = {
  'snapshot-chunks': 'always',
  'snapshot-head': 'whole',
  'snapshot-shard': 'partitioned',
  'snapshot-checkpoints': 'always',
  'snapshot-cleanup': 'always',
};

/**
 * Points outside the snapshot protocol (not in `CRASH_POINTS`, which the snapshot-crash test runs
 * through one by one): `shard-end` right after a checkpoint at SHARD_END is written (a shard of a
 * reshard read to its end), before anything else happens; what the worker held of that shard
 * only in memory is lost there (test/integration/fleet-reshard.test.ts).
 */
export const OTHER_CRASH_POINTS = ['shard-end'] as const;
export type OtherCrashPoint = (typeof OTHER_CRASH_POINTS)[number];

const seen = new Map<string, number>();

export function crashPoint(point: CrashPoint | OtherCrashPoint): void {
  const spec = process.env.SLUICE_CRASH_AT;
  if (!spec) return;
  const [name, nth] = spec.split('@');
  if (name !== point) return;
  const n = (seen.get(point) ?? 0) + 1;
  seen.set(point, n);
  if (n === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
