import type { Operator } from '../core/operator.js';
import { invalidOption } from '../errors.js';
import type { OperatorConfig, OperatorFactory } from './config.js';

export type { OperatorFactory } from './config.js';

/**
 * Every operator kind a pipeline file can name, in one place: the built-in kinds below, loaded
 * only when a pipeline names them (so `import 'sluice'` loads no detector or ML code), and kinds
 * an application adds with {@link registerOperator}.
 */
const builtins: Record<string, () => Promise<OperatorFactory>> = {
  anomaly: async () => (await import('../detect/pipeline.js')).anomalyOperatorFactory,
  'linreg-score': async () => (await import('../ml/pipeline-operators.js')).mlOperatorFactories['linreg-score'],
  'linreg-sgd': async () => (await import('../ml/pipeline-operators.js')).mlOperatorFactories['linreg-sgd'],
};

const registered = new Map<string, OperatorFactory>();

/** Adds an operator kind of the application's own (or replaces a built-in one). */
export function registerOperator(kind: string, factory: OperatorFactory): void {
  registered.set(kind, factory);
}

/** Builds the operators a pipeline file names, in order, with errors naming the field. */
export async function createOperators(configs: readonly OperatorConfig[]): Promise<Operator[]> {
  const out: Operator[] = [];
  for (const [i, c] of configs.entries()) {
    const factory = registered.get(c.kind) ?? (await builtins[c.kind]?.());
    if (!factory) {
      throw invalidOption(`operators[${i}].kind`, c.kind, `use one of: ${[...new Set([...Object.keys(builtins), ...registered.keys()])].join(', ')}`);
    }
    out.push(factory(c, i));
  }
  return out;
}
