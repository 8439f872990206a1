import { parseOptions } from '../validation.js';
import { z } from 'zod';
import { invalidOption } from '../errors.js';
import { rowDeadLetter, type Batch, type Operator, type OperatorContext, type Row } from '../engine/operator.js';
import { numericField, rowFeatures } from './row-features.js';

/** Options of the online learner (Spark's StreamingLinearRegressionWithSGD, with its defaults). */
export const streamingLinearRegressionOptionsSchema = z.object({
  name: z.string().min(1).default('linreg-sgd'),
  featureCols: z.array(z.string().min(1)).min(1),
  labelCol: z.string().min(1),
  /** Starting weights, one per feature (Spark requires them); default zeros. */
  initialWeights: z.array(z.number()).optional(),
  initialIntercept: z.number().default(0),
  /** Spark's LinearRegressionWithSGD fits no intercept; set true to learn one. */
  fitIntercept: z.boolean().default(false),
  stepSize: z.number().positive().default(0.1),
  numIterations: z.number().int().positive().default(50),
  /** Stop a batch's iterations when ||w_t - w_{t-1}|| < tol * max(||w_t||, 1) (Spark's convergenceTol). */
  convergenceTol: z.number().min(0).default(0.001),
  predictionCol: z.string().min(1).default('prediction'),
  residualCol: z.string().min(1).default('residual'),
});
export type StreamingLinearRegressionOptions = z.input<typeof streamingLinearRegressionOptionsSchema>;

/** What survives a restart: the model and how much it has seen. */
export interface StreamingLinearRegressionState {
  readonly weights: number[];
  readonly intercept: number;
  readonly batchesTrained: number;
  readonly rowsTrained: number;
}

export interface StreamingLinearRegression extends Operator {
  /** The current model (after the last trained batch). */
  readonly state: StreamingLinearRegressionState;
  onCheckpoint(): StreamingLinearRegressionState;
  restore(state: unknown): void;
}

const stateSchema = z.object({
  weights: z.array(z.number()),
  intercept: z.number(),
  batchesTrained: z.number().int().min(0),
  rowsTrained: z.number().int().min(0),
});

/**
 * Online linear regression in the spirit of Spark's `StreamingLinearRegressionWithSGD`: each
 * micro-batch first gets scored with the current model (`prediction`, `residual`: a prequential,
 * honest error), then the model is warm-started from its current weights and trained on the batch
 * with `numIterations` steps of full-batch gradient descent on 1/2 mean (x.w + b - y)^2, step
 * `stepSize / sqrt(t)` (Spark's SimpleUpdater, miniBatchFraction 1).
 *
 * Limits: plain SGD on raw features, so it needs features of similar scale (standardize upstream)
 * and a small enough step; no regularisation; each batch moves the model only as far as its
 * iterations allow, so it tracks drift but never equals the batch OLS fit.
 */
export function createStreamingLinearRegression(options: StreamingLinearRegressionOptions): StreamingLinearRegression {
  const o = parseOptions(streamingLinearRegressionOptionsSchema, options, (field) => `streaming linreg ${field}`);
  const p = o.featureCols.length;
  if (o.initialWeights !== undefined && o.initialWeights.length !== p) {
    throw invalidOption('streaming linreg initialWeights', o.initialWeights, `give ${p} weights, one per feature column`);
  }
  let weights = o.initialWeights === undefined ? new Array<number>(p).fill(0) : [...o.initialWeights];
  let intercept = o.initialIntercept;
  let batchesTrained = 0;
  let rowsTrained = 0;

  const predict = (x: readonly number[]): number => {
    let s = 0;
    for (let j = 0; j < p; j++) s += x[j]! * weights[j]!;
    return s + intercept;
  };

  const train = (xs: number[][], ys: number[]): void => {
    const n = xs.length;
    for (let t = 1; t <= o.numIterations; t++) {
      const grad = new Array<number>(p).fill(0);
      let gradB = 0;
      for (let i = 0; i < n; i++) {
        const err = predict(xs[i]!) - ys[i]!;
        for (let j = 0; j < p; j++) grad[j] = grad[j]! + err * xs[i]![j]!;
        gradB += err;
      }
      const step = o.stepSize / Math.sqrt(t);
      const next = weights.map((w, j) => w - (step * grad[j]!) / n);
      const nextB = o.fitIntercept ? intercept - (step * gradB) / n : intercept;
      let diff = (nextB - intercept) ** 2;
      let norm = nextB * nextB;
      for (let j = 0; j < p; j++) {
        diff += (next[j]! - weights[j]!) ** 2;
        norm += next[j]! ** 2;
      }
      weights = next;
      intercept = nextB;
      if (Math.sqrt(diff) < o.convergenceTol * Math.max(Math.sqrt(norm), 1)) break;
    }
  };

  return {
    name: o.name,
    outputColumns: [
      { name: o.predictionCol, type: 'double' },
      { name: o.residualCol, type: 'double' },
    ],
    get state(): StreamingLinearRegressionState {
      return { weights: [...weights], intercept, batchesTrained, rowsTrained };
    },
    processBatch(batch: Batch, ctx: OperatorContext): Batch {
      const out: Row[] = [];
      const xs: number[][] = [];
      const ys: number[] = [];
      for (const row of batch.rows) {
        const f = rowFeatures(row, o.featureCols);
        if ('reason' in f) {
          ctx.deadLetter(rowDeadLetter(row, o.name, `${o.name}: ${f.reason}`));
          continue;
        }
        const prediction = predict(f.features);
        const label = numericField(row, o.labelCol);
        out.push({ ...row, [o.predictionCol]: prediction, [o.residualCol]: label === undefined ? null : label - prediction });
        if (label !== undefined) {
          xs.push(f.features);
          ys.push(label);
        }
      }
      if (xs.length > 0) {
        train(xs, ys);
        batchesTrained += 1;
        rowsTrained += xs.length;
      }
      return { rows: out };
    },
    onCheckpoint(): StreamingLinearRegressionState {
      return { weights: [...weights], intercept, batchesTrained, rowsTrained };
    },
    restore(state: unknown): void {
      const s = stateSchema.safeParse(state);
      if (!s.success || s.data.weights.length !== p) {
        throw invalidOption('streaming linreg checkpoint state', state, `expected { weights: ${p} numbers, intercept, batchesTrained, rowsTrained } from onCheckpoint()`);
      }
      weights = [...s.data.weights];
      intercept = s.data.intercept;
      batchesTrained = s.data.batchesTrained;
      rowsTrained = s.data.rowsTrained;
    },
  };
}
