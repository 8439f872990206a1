/**
 * The keyed anomaly operator: one detector per key (sensor id, partition key, ...), scoring one or
 * more numeric columns of each row and adding score, grade and explanation columns, so pipeline SQL
 * can route rows (`WHERE anomaly_score >= 0.45`). The operator form of
 * `anomaly_score('rcf', currentTemp) OVER (PARTITION BY id)`.
 *
 * Memory: each detector's state has a fixed size set by its parameters (RCF: trees x sampleSize
 * points; likelihood: historicWindow numbers), and at most `maxKeys` detectors live at once: the
 * least recently seen key is evicted (it starts learning afresh if it comes back).
 * State: `onCheckpoint()` returns every live model (JSON-safe); `restore()` continues exactly.
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
    /** Partition column: one model per distinct value. Without it, one model for the stream. */
    key: z.string().min(1).optional(),
    /** Column holding the event time (epoch ms, ISO string or Date); else the batch time. */
    time: z.string().min(1).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    scoreColumn: z.string().min(1).default('anomaly_score'),
    gradeColumn: z.string().min(1).default('anomaly_grade'),
    explanationColumn: z.string().min(1).default('anomaly_explanation'),
    /** Scores at or above `high` are graded `high`; at or above `medium`, `medium`; else `low`. */
    grades: z.object({ high: z.number().min(0).max(1), medium: z.number().min(0).max(1) }).strict().optional(),
    maxKeys: z.number().int().min(1).default(1_000),
  })
  .strict();
export type AnomalyOperatorOptions = z.input<typeof anomalyOperatorOptionsSchema>;

interface AnomalyOperatorState {
  readonly version: 1;
  /** Least recently used first. */
  readonly models: [string, DetectorState][];
}

export interface AnomalyOperator extends Operator {
  /** How many keyed models are live. */
  readonly keys: number;
  onCheckpoint(): AnomalyOperatorState;
  restore(state: unknown): void;
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
  let models = new Map<string, Detector>();
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

  function modelFor(key: string): Detector {
    let m = models.get(key);
    if (m !== undefined) {
      models.delete(key); // re-insert: Map order is our LRU order
    } else {
      m = createDetector(o.detector, o.params);
      if (models.size >= o.maxKeys) models.delete(models.keys().next().value!);
    }
    models.set(key, m);
    return m;
  }

  return {
    name: o.name,
    outputColumns: [
      { name: o.scoreColumn, type: 'double' },
      { name: o.gradeColumn, type: 'string' },
      { name: o.explanationColumn, type: 'string' },
    ],
    get keys() {
      return models.size;
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
        const s = modelFor(key).update(values, t);
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
      return { version: 1, models: [...models].map(([k, m]) => [k, m.toState()]) };
    },
    restore(state: unknown): void {
      const s = state as AnomalyOperatorState | undefined;
      if (s?.version !== 1 || !Array.isArray(s.models)) {
        throw new SluiceError(`anomaly operator '${o.name}': checkpoint state is not a version 1 anomaly state.`, {
          domain: 'internal',
          code: 'BadOperatorState',
        });
      }
      models = new Map(s.models.map(([k, st]) => [k, restoreDetector(st)]));
    },
  };
}
