import { registerAnomalyOperator } from '../detect/pipeline.js';
import { registerMlOperators } from '../ml/pipeline-operators.js';

let registered = false;

/**
 * Registers the operators Sluice ships (`anomaly`, `linreg-score`, `linreg-sgd`) so pipeline files
 * can name them. The CLI calls it; library users who build pipelines from files call it once. It
 * lives outside the core registry so `import 'sluice'` does not load the ML and detection code.
 */
export function registerBuiltinOperators(): void {
  if (registered) return;
  registered = true;
  registerAnomalyOperator();
  registerMlOperators();
}
