import { parseOptions } from '../validation.js';
import { registerOperator } from '../pipeline/operators.js';
import type { OperatorConfig } from '../pipeline/config.js';
import type { Operator } from '../engine/operator.js';
import type { z } from 'zod';
import { createLinearRegressionScorer, linearRegressionScorerOptionsSchema } from './linear-regression-scorer.js';
import { createStreamingLinearRegression, streamingLinearRegressionOptionsSchema } from './streaming-linear-regression.js';

/** Operator kinds a pipeline file can name once `registerMlOperators()` has run. */
export const ML_OPERATOR_KINDS = { score: 'linreg-score', sgd: 'linreg-sgd' } as const;

function parseConfig<S extends z.ZodType>(schema: S, config: OperatorConfig, index: number): z.input<S> {
  const { kind, ...rest } = config;
  const options = { name: `${kind}-${index}`, ...rest };
  parseOptions(schema, options, (field) => `operators[${index}].${field}`);
  return options as z.input<S>;
}

/**
 * Registers the ML operators with the pipeline's operator registry (kept out of the core so
 * `sluice/ml` stays optional): call once before building a pipeline whose file uses them.
 *
 * @example
 * registerMlOperators();
 * // operators:
 * //   - kind: linreg-score
 * //     model: models/loan.json
 * //     featureCols: [ApplicantIncome, CoapplicantIncome]
 * //     labelCol: LoanAmount
 * //     residualThreshold: 150
 * // outputs:
 * //   - name: anomalies
 * //     sql: SELECT * FROM events WHERE is_anomaly
 */
export function registerMlOperators(register: (kind: string, factory: (config: OperatorConfig, index: number) => Operator) => void = registerOperator): void {
  register(ML_OPERATOR_KINDS.score, (config, index) => createLinearRegressionScorer(parseConfig(linearRegressionScorerOptionsSchema, config, index)));
  register(ML_OPERATOR_KINDS.sgd, (config, index) => createStreamingLinearRegression(parseConfig(streamingLinearRegressionOptionsSchema, config, index)));
}
