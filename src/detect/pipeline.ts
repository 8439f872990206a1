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
 *     sql: SELECT * FROM events WHERE anomaly_score >= 0.4
 *     sink: { kind: dynamodb, table: data_anomaly }
 * ```
 */
import { registerOperator } from '../pipeline/operators.js';
import { createAnomalyOperator, type AnomalyOperatorOptions } from './operator.js';

export const ANOMALY_OPERATOR_KIND = 'anomaly';

export function registerAnomalyOperator(): void {
  registerOperator(ANOMALY_OPERATOR_KIND, (config, index) => {
    const { kind: _kind, ...options } = config;
    return createAnomalyOperator({ name: `operators[${index}] anomaly`, ...(options as AnomalyOperatorOptions) });
  });
}
