import { parseOptions } from '../validation.js';
import { z } from 'zod';

/** Spark's LinearRegression params with Spark's defaults. */
export const linearRegressionParamsSchema = z.object({
  featuresCol: z.string().min(1).default('features'),
  labelCol: z.string().min(1).default('label'),
  predictionCol: z.string().min(1).default('prediction'),
  weightCol: z.string().optional(),
  regParam: z.number().min(0).default(0),
  elasticNetParam: z.number().min(0).max(1).default(0),
  maxIter: z.number().int().min(0).default(100),
  tol: z.number().min(0).default(1e-6),
  fitIntercept: z.boolean().default(true),
  standardization: z.boolean().default(true),
  solver: z.enum(['auto', 'normal', 'l-bfgs']).default('auto'),
});
export type LinearRegressionParams = z.output<typeof linearRegressionParamsSchema>;
export type LinearRegressionOptions = z.input<typeof linearRegressionParamsSchema>;

export function parseLinearRegressionParams(options: LinearRegressionOptions): LinearRegressionParams {
  return parseOptions(linearRegressionParamsSchema, options, (field) => `LinearRegression.${field}`);
}
