/**
 * Makes the keyed anomaly operator available to pipeline files as `kind: anomaly`:
 *
 * ```yaml
 * operators:
 *   - kind: anomaly
 *     detector: ensemble
 *     value: currentTemp
 *     key: id
 * outputs:
 *   - name: data_anomaly
 *     sql: SELECT * FROM events WHERE anomaly_score >= 0.45
 *     sink: { kind: dynamodb, table: data_anomaly }
 * ```
 */
import type { OperatorFactory } from '../pipeline/config.js';
import { createAnomalyOperator, type AnomalyOperatorOptions } from './operator.js';

export const ANOMALY_OPERATOR_KIND = 'anomaly';

/** Builds `kind: anomaly` operators from pipeline files (listed in src/pipeline/operators.ts). */
export const anomalyOperatorFactory: OperatorFactory = (config, index) => {
  const { kind: _kind, ...options } = config;
  return createAnomalyOperator({ name: `operators[${index}] anomaly`, ...(options as AnomalyOperatorOptions) });
};
