import { defineSink, requireClients } from '../../core/sink-definition.js';
import { counterSinkConfigSchema } from './config.js';

/** The `dynamodb-counter` sink kind, for the registry. */
export const counterSink = defineSink({
  kind: 'dynamodb-counter',
  schema: counterSinkConfigSchema,
  async create(config, deps) {
    const { CounterSink } = await import('./sink.js');
    return new CounterSink(requireClients(deps, 'dynamodb-counter').dynamodb, config, deps.name);
  },
});
