/**
 * The keyed anomaly operator: one detector per key (sensor id, partition key, ...), scoring one or
 * more numeric columns of each row and adding score, grade and explanation columns, so pipeline SQL
 * can route rows (`WHERE anomaly_score >= 0.45`). The operator form of
 * `anomaly_score('rcf', currentTemp) OVER (PARTITION BY id)`.
 *
 * Models are per (shard, key): a key's model learns only from the records of the shard they
 * arrived on (`_shard`; rows without one share the partition ''), so a shard's models move with its
 * lease and a crash, a lease move or a restart on another worker scores exactly as one worker would.
 *
 * Memory: each detector's state has a fixed size set by its parameters (RCF: trees x sampleSize
 * points; likelihood: historicWindow numbers), and at most `maxKeys` detectors live per shard: the
 * least recently seen key of that shard is evicted (it starts learning afresh if it comes back).
 * State: partitioned (`snapshotPartition` one entry per key, `restorePartition`, `dropPartition`),
 * which the engine commits with each shard's checkpoint; `onCheckpoint()`/`restore()` give every
 * shard's models at once for embedding. Either way a restored model continues exactly.
 */
import { parseOptions as parseWithSchema } from '../validation.js';
import { z } from 'zod';
import { rowDeadLetter, type Batch, type Operator, type OperatorContext, type Row } from '../engine/operator.js';
import { SluiceError } from '../errors.js';
import { DEFAULT_DETECTOR, DETECTOR_NAMES, createDetector, restoreDetector, alertLevelOf } from './registry.js';
import type { Detector, DetectorState, Scored } from './types.js';

/** The JSON in the explanation column. */
export interface Explanation {
  /** The detector that produced the score (for an ensemble, its top member, e.g. `likelihood(rcf)`). */
  readonly detector: string;
  /** The input column with the largest attribution. */
  readonly driver?: string;
  readonly columns: Record<string, { attribution?: number; direction?: 'HIGH' | 'LOW'; expected?: [number | null, number | null] }>;
}

export const anomalyOperatorOptionsSchema = z
  .object({
    name: z.string().default('anomaly'),
    detector: z.enum(DETECTOR_NAMES).default(DEFAULT_DETECTOR),
    /** The numeric column(s) to score, e.g. `'currentTemp'` or `['cpu', 'memory']`. */
    value: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Key column: one model per distinct value per shard. Without it, one model per shard. */
    key: z.string().min(1).optional(),
    /** Column holding the event time (epoch ms, ISO string or Date); else the batch time. */
    time: z.string().min(1).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    scoreColumn: z.string().min(1).default('anomaly_score'),
    gradeColumn: z.string().min(1).default('anomaly_grade'),
    explanationColumn: z.string().min(1).default('anomaly_explanation'),
    /** Scores at or above `high` are graded `high`; at or above `medium`, `medium`; else `low`. */
    grades: z.object({ high: z.number().min(0).max(1), medium: z.number().min(0).max(1) }).strict().optional(),
    /** Live models per shard at most; the least recently seen key of the shard is evicted. */
    maxKeys: z.number().int().min(1).default(1_000),
  })
  .strict();
export type AnomalyOperatorOptions = z.input<typeof anomalyOperatorOptionsSchema>;

/** A key's entry in a snapshot: its model and when it was last used (its place in the shard's LRU order). */
export interface KeyedModel {
  readonly model: DetectorState;
  readonly used: number;
}

export interface AnomalyOperatorState {
  readonly version: 2;
  /** Per shard, its models, least recently used first. */
  readonly shards: [shard: string, models: [key: string, model: KeyedModel][]][];
}

export interface AnomalyOperator extends Operator {
  /** How many keyed models are live, over all shards. */
  readonly keys: number;
  onCheckpoint(): AnomalyOperatorState;
  restore(state: unknown): void;
  snapshotPartition(shard: string, select?: (key: string) => boolean): Iterable<[key: string, model: KeyedModel]>;
  restorePartition(shard: string, entries: Iterable<readonly [key: string, model: unknown]>): void;
  dropPartition(shard: string): void;
  takeChanged(shard: string): Iterable<string>;
}

function parseOptions(options: AnomalyOperatorOptions) {
  return parseWithSchema(anomalyOperatorOptionsSchema, options, (field) => `anomaly operator ${field || 'options'}`);
}

function timeOf(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return fallback;
}

export function createAnomalyOperator(options: AnomalyOperatorOptions): AnomalyOperator {
  const o = parseOptions(options);
  const columns = typeof o.value === 'string' ? [o.value] : o.value;
  const alert = alertLevelOf(o.detector, o.params);
  const grades = o.grades ?? { high: alert, medium: alert * 0.75 };
  // validate the detector parameters now, not on the first row
  createDetector(o.detector, o.params);
  /** Per shard, its models in least-recently-used order (Map order), each with its last-use tick. */
  let shards = new Map<string, Map<string, { detector: Detector; used: number }>>();
  /** Per shard, the keys changed since the last snapshot of it (incremental snapshots). */
  const changed = new Map<string, Set<string>>();
  let live = 0;
  let tick = 0;
  const values = new Float64Array(columns.length);

  /**
   * What the operator says about a score: the detector that produced it, the column that drove it
   * (largest attribution), and per column its attribution, direction and the range the detector
   * expected at that moment (`null` for an open end).
   */
  function explain(s: Scored): Explanation {
    const cols: Explanation['columns'] = {};
    let driver: string | undefined;
    let top = Number.NEGATIVE_INFINITY;
    columns.forEach((c, j) => {
      const a = s.attribution?.[j];
      const direction = s.directions?.[j];
      const e = s.expected?.[j];
      cols[c] = {
        ...(a !== undefined ? { attribution: a } : {}),
        ...(direction ? { direction } : {}),
        ...(e ? { expected: [Number.isFinite(e[0]) ? e[0] : null, Number.isFinite(e[1]) ? e[1] : null] } : {}),
      };
      if (a !== undefined && a > top) {
        top = a;
        driver = c;
      }
    });
    return { detector: s.detector ?? o.detector, ...(driver !== undefined ? { driver } : {}), columns: cols };
  }

  function modelFor(shard: string, key: string): Detector {
    let models = shards.get(shard);
    if (!models) shards.set(shard, (models = new Map()));
    let dirty = changed.get(shard);
    if (!dirty) changed.set(shard, (dirty = new Set()));
    let m = models.get(key);
    if (m !== undefined) {
      models.delete(key); // re-insert: Map order is our LRU order
      m.used = ++tick;
    } else {
      m = { detector: createDetector(o.detector, o.params), used: ++tick };
      if (models.size >= o.maxKeys) {
        const evicted = models.keys().next().value!;
        models.delete(evicted);
        dirty.add(evicted);
      } else live++;
    }
    models.set(key, m);
    dirty.add(key);
    return m.detector;
  }

  /** A shard's models from snapshot entries, in LRU order (by last-use tick), at most maxKeys. */
  function restoreModels(shard: string, entries: Iterable<readonly [string, unknown]>): Map<string, { detector: Detector; used: number }> {
    const list: [string, KeyedModel][] = [];
    for (const [key, st] of entries) {
      const e = st as KeyedModel | null;
      if (typeof key !== 'string' || typeof e !== 'object' || e === null || typeof e.used !== 'number' || typeof e.model !== 'object' || e.model === null) {
        throw new SluiceError(`anomaly operator '${o.name}': the checkpointed model of shard ${JSON.stringify(shard)} key ${JSON.stringify(key)} is not { model, used }.`, {
          domain: 'internal',
          code: 'BadOperatorState',
        });
      }
      list.push([key, e]);
    }
    // Stable: entries with the same tick (parents of a merge) keep the order they came in.
    list.sort((a, b) => a[1].used - b[1].used);
    const models = new Map<string, { detector: Detector; used: number }>();
    // At most maxKeys per shard (a merge's union may hold more): the most recently used are kept.
    for (const [key, e] of list.slice(Math.max(0, list.length - o.maxKeys))) {
      models.set(key, { detector: restoreDetector(e.model), used: e.used });
      if (e.used > tick) tick = e.used;
    }
    return models;
  }

  function setShard(shard: string, models: Map<string, { detector: Detector; used: number }> | undefined): void {
    changed.delete(shard);
    live -= shards.get(shard)?.size ?? 0;
    if (models && models.size > 0) {
      shards.set(shard, models);
      live += models.size;
    } else {
      shards.delete(shard);
    }
  }

  return {
    name: o.name,
    outputColumns: [
      { name: o.scoreColumn, type: 'double' },
      { name: o.gradeColumn, type: 'string' },
      { name: o.explanationColumn, type: 'string' },
    ],
    get keys() {
      return live;
    },
    processBatch(batch: Batch, ctx: OperatorContext): Batch {
      const out: Row[] = [];
      for (const row of batch.rows) {
        let bad: string | undefined;
        for (let j = 0; j < columns.length; j++) {
          const v = row[columns[j]!];
          const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
          if (!Number.isFinite(x)) {
            bad = `Invalid ${columns[j]}: ${JSON.stringify(v) ?? 'undefined'}. Fix: the anomaly operator '${o.name}' needs a finite number in column '${columns[j]}'.`;
            break;
          }
          values[j] = x;
        }
        if (bad !== undefined) {
          ctx.deadLetter(rowDeadLetter(row, o.name, bad));
          continue;
        }
        const key = o.key === undefined ? '' : String(row[o.key] ?? '');
        const t = timeOf(o.time === undefined ? row._arrival : row[o.time], ctx.batchTime.getTime());
        const s = modelFor(String(row._shard ?? ''), key).update(values, t);
        out.push({
          ...row,
          [o.scoreColumn]: s.score,
          [o.gradeColumn]: s.score >= grades.high ? 'high' : s.score >= grades.medium ? 'medium' : 'low',
          [o.explanationColumn]: JSON.stringify(explain(s)),
        });
      }
      return { rows: out };
    },
    onCheckpoint(): AnomalyOperatorState {
      return { version: 2, shards: [...shards].map(([shard, models]) => [shard, [...models].map(([k, m]) => [k, { model: m.detector.toState(), used: m.used }])]) };
    },
    restore(state: unknown): void {
      const s = state as AnomalyOperatorState | undefined;
      if (s?.version !== 2 || !Array.isArray(s.shards)) {
        throw new SluiceError(`anomaly operator '${o.name}': checkpoint state is not a version 2 anomaly state (models per shard and key).`, {
          domain: 'internal',
          code: 'BadOperatorState',
        });
      }
      const next = new Map(s.shards.map(([shard, models]) => [shard, restoreModels(shard, models)] as const));
      shards = new Map();
      live = 0;
      for (const [shard, models] of next) setShard(shard, models);
    },
    *snapshotPartition(shard: string, select?: (key: string) => boolean): Generator<[string, KeyedModel]> {
      const models = shards.get(shard);
      if (!models) return;
      // Each model serialized as it is written, never all of them at once.
      for (const [k, m] of models) if (!select || select(k)) yield [k, { model: m.detector.toState(), used: m.used }];
    },
    takeChanged(shard: string): Iterable<string> {
      const keys = changed.get(shard) ?? new Set<string>();
      changed.delete(shard);
      return keys;
    },
    restorePartition(shard: string, entries: Iterable<readonly [string, unknown]>): void {
      setShard(shard, restoreModels(shard, entries));
    },
    dropPartition(shard: string): void {
      setShard(shard, undefined);
    },
  };
}
