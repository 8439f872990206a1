import type { Operator } from '../engine/operator.js';
import { invalidOption } from '../errors.js';
import type { OperatorConfig } from './config.js';

type OperatorFactory = (config: OperatorConfig, index: number) => Operator;

/** Every operator kind a pipeline file can name, registered in one place. */
const registry = new Map<string, OperatorFactory>();

export function registerOperator(kind: string, factory: OperatorFactory): void {
  registry.set(kind, factory);
}

export function createOperators(configs: readonly OperatorConfig[]): Operator[] {
  return configs.map((c, i) => {
    const factory = registry.get(c.kind);
    if (!factory) {
      throw invalidOption(`operators[${i}].kind`, c.kind, `use one of: ${[...registry.keys()].join(', ') || '(none registered)'}`);
    }
    return factory(c, i);
  });
}
