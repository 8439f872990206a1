import { registerOperator } from '../pipeline/operators.js';
import type { OperatorFactory } from '../pipeline/config.js';
import { mlOperatorFactories } from './pipeline-operators.js';

/**
 * Registers the ML operators with the pipeline's operator registry. Pipeline files find
 * `linreg-score` and `linreg-sgd` without it (the registry lists them); call it to register them
 * elsewhere, or pass your own `register`.
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
export function registerMlOperators(register: (kind: string, factory: OperatorFactory) => void = registerOperator): void {
  for (const [kind, factory] of Object.entries(mlOperatorFactories)) register(kind, factory);
}
