import { parseOptions } from '../validation.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SluiceError, invalidOption } from '../errors.js';
import { rowDeadLetter, type Batch, type Operator, type OperatorContext, type Row } from '../engine/operator.js';
import { LinearRegressionModel, savedModelSchema } from './linear-regression-model.js';
import { numericField, rowFeatures } from './row-features.js';

/** Options of the stream scoring operator, as the pipeline config gives them. */
export const linearRegressionScorerOptionsSchema = z.object({
  name: z.string().min(1).default('linreg-scorer'),
  /** Path of a model saved with `model.save(path)`, or the saved JSON itself. */
  model: z.union([z.string().min(1), savedModelSchema]),
  /** Record fields that make the feature vector, in the model's feature order. */
  featureCols: z.array(z.string().min(1)).min(1),
  /** Record field holding the observed label; default: the model's labelCol. */
  labelCol: z.string().min(1).optional(),
  predictionCol: z.string().min(1).default('prediction'),
  residualCol: z.string().min(1).default('residual'),
  /** When set, rows with |residual| > threshold get `anomalyCol` = true. */
  residualThreshold: z.number().positive().optional(),
  anomalyCol: z.string().min(1).default('is_anomaly'),
});
export type LinearRegressionScorerOptions = z.input<typeof linearRegressionScorerOptionsSchema>;

function loadModel(model: string | z.output<typeof savedModelSchema>): LinearRegressionModel {
  if (typeof model !== 'string') return LinearRegressionModel.fromJSON(model);
  let text: string;
  try {
    text = readFileSync(model, 'utf8');
  } catch (e) {
    throw new SluiceError(`Cannot read model file ${model}: ${e instanceof Error ? e.message : String(e)}. Fix: give the path passed to model.save().`, { domain: 'user', code: 'InvalidOption', cause: e });
  }
  return LinearRegressionModel.fromJSON(JSON.parse(text) as unknown, model);
}

/**
 * A stateless operator that scores each record with a saved linear regression model. It adds
 * `prediction`, `residual` (label - prediction, or null when the record has no label) and, with a
 * `residualThreshold`, an `is_anomaly` boolean so a router can send anomalies to their own sink.
 * Records whose features are missing or not numbers go to the dead-letter sink with the reason.
 *
 * @example
 * const scorer = createLinearRegressionScorer({ model: 'loan-model.json', featureCols: ['ApplicantIncome', 'CoapplicantIncome'], residualThreshold: 100 });
 */
export function createLinearRegressionScorer(options: LinearRegressionScorerOptions): Operator {
  const o = parseOptions(linearRegressionScorerOptionsSchema, options, (field) => `linreg scorer ${field}`);
  const model = loadModel(o.model);
  if (o.featureCols.length !== model.numFeatures) {
    throw invalidOption('linreg scorer featureCols', o.featureCols, `the model has ${model.numFeatures} features; list exactly that many columns in the model's order`);
  }
  const labelCol = o.labelCol ?? model.params.labelCol;
  return {
    name: o.name,
    outputColumns: [
      { name: o.predictionCol, type: 'double' },
      { name: o.residualCol, type: 'double' },
      ...(o.residualThreshold !== undefined ? [{ name: o.anomalyCol, type: 'boolean' as const }] : []),
    ],
    processBatch(batch: Batch, ctx: OperatorContext): Batch {
      const rows: Row[] = [];
      for (const row of batch.rows) {
        const f = rowFeatures(row, o.featureCols);
        if ('reason' in f) {
          ctx.deadLetter(rowDeadLetter(row, o.name, `${o.name}: ${f.reason}`));
          continue;
        }
        const prediction = model.predict(f.features);
        const label = numericField(row, labelCol);
        const residual = label === undefined ? null : label - prediction;
        const out: Row = { ...row, [o.predictionCol]: prediction, [o.residualCol]: residual };
        if (o.residualThreshold !== undefined) out[o.anomalyCol] = residual !== null && Math.abs(residual) > o.residualThreshold;
        rows.push(out);
      }
      return { rows };
    },
  };
}
