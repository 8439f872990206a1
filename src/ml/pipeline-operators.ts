import { parseOptions } from '../validation.js';
import type { OperatorConfig, OperatorFactory } from '../pipeline/config.js';
import type { z } from 'zod';
import { createLinearRegressionScorer, linearRegressionScorerOptionsSchema } from './linear-regression-scorer.js';
import { createStreamingLinearRegression, streamingLinearRegressionOptionsSchema } from './streaming-linear-regression.js';

/** The ML operator kinds a pipeline file names (`operators[].kind`). */
export const ML_OPERATOR_KINDS = { score: 'linreg-score', sgd: 'linreg-sgd' } as const;

function parseConfig<S extends z.ZodType>(schema: S, config: OperatorConfig, index: number): z.input<S> {
  const { kind, ...rest } = config;
  const options = { name: `${kind}-${index}`, ...rest };
  parseOptions(schema, options, (field) => `operators[${index}].${field}`);
  return options as z.input<S>;
}

/** The ML operator kinds' factories, listed by the pipeline's operator registry (src/pipeline/operators.ts). */
export const mlOperatorFactories: Record<(typeof ML_OPERATOR_KINDS)[keyof typeof ML_OPERATOR_KINDS], OperatorFactory> = {
  [ML_OPERATOR_KINDS.score]: (config, index) => createLinearRegressionScorer(parseConfig(linearRegressionScorerOptionsSchema, config, index)),
  [ML_OPERATOR_KINDS.sgd]: (config, index) => createStreamingLinearRegression(parseConfig(streamingLinearRegressionOptionsSchema, config, index)),
};
