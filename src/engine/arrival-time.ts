import type { EventTimeSpec } from './event-time/windows.js';
import type { OutputPlan } from './outputs/plan.js';
import type { WindowPlan } from './window.js';

/** Most windows one record may fall in (length / slide) for a sliding window to run on arrival time. */
export const ARRIVAL_MAX_PANES = 60;

export interface ArrivalTimeChoice {
  /** The GROUP BY outputs into a dynamodb sink that run on arrival-time windows; empty: none. */
  outputs: string[];
  /** Why the others of them stay on processing time (each worker its own shards' part), by output. */
  kept: Map<string, string>;
}

/**
 * Issue 18: a processing-time window belongs to the worker that read the records, so with several
 * workers a GROUP BY over it is each worker's part. Into a `dynamodb` sink it can be exact: run on
 * arrival-time windows instead (event time on `_arrival`, Kinesis' ApproximateArrivalTimestamp,
 * which the service stamps on the record and a replay reads back unchanged), where each shard's
 * partial is merged in the item like any event-time aggregate. The arrival time is made monotone
 * per shard (no record is late) and the item keeps the newest window, as the processing-time query
 * overwrote it each window.
 *
 * Only when nothing else needs the processing-time window: every other output is a projection, a
 * filter or a query over `current_batch`. A top-k, a DISTINCT or a GROUP BY into another sink keeps
 * the pipeline on processing time (their outputs are per worker, said at start).
 */
export function chooseArrivalTime(outputs: readonly { name: string; sink: { kind: string } }[], window: WindowPlan, planOf: (name: string) => OutputPlan | undefined, leased: boolean): ArrivalTimeChoice {
  const none: ArrivalTimeChoice = { outputs: [], kept: new Map() };
  if (!leased || !window.windowed || window.eventTime) return none;
  const candidates = outputs.filter((o) => planOf(o.name)?.kind === 'aggregate' && o.sink.kind === 'dynamodb').map((o) => o.name);
  if (candidates.length === 0) return none;
  const blockers = outputs.filter((o) => {
    const plan = planOf(o.name);
    return plan && !candidates.includes(o.name) && plan.kind !== 'incremental' && !(plan.kind === 'window' && plan.scope === 'batch');
  });
  let reason: string | undefined;
  if (blockers.length > 0) {
    reason = `${blockers.map((b) => `output ${b.name} (sink ${b.sink.kind}, a ${planOf(b.name)!.kind} query)`).join(', ')} needs the processing-time window, so the pipeline stays on it`;
  } else if (window.panes > ARRIVAL_MAX_PANES) {
    reason = `the sliding window has ${window.panes} slides per window (more than ${ARRIVAL_MAX_PANES}), too many windows per record to run on arrival time; use a longer window.slide`;
  }
  if (reason) return { outputs: [], kept: new Map(candidates.map((c) => [c, reason])) };
  return { outputs: candidates, kept: new Map() };
}

/** A shard silent this long stops holding arrival-time windows back, however short the slide: a shard is polled every 200 ms by default, slower when throttled. */
export const ARRIVAL_MIN_IDLE_MS = 1000;

/**
 * The event-time spec an arrival-time run uses: `_arrival`, no delay, monotone, a window emitted
 * once; a shard silent for a slide (at least `ARRIVAL_MIN_IDLE_MS`) stops holding windows back. A
 * record read after its window was emitted is not lost: it updates its shard's partial, sent again.
 */
export function arrivalTimeSpec(window: WindowPlan): EventTimeSpec {
  return { column: '_arrival', delayMs: 0, idleMs: Math.max(window.slideMs, ARRIVAL_MIN_IDLE_MS), mode: 'append', lengthMs: window.lengthMs, slideMs: window.slideMs, monotone: true };
}
