import { defineSink } from '../../core/sink-definition.js';
import { consoleSinkConfigSchema } from './config.js';

/** The `console` sink kind, for the registry. */
export const consoleSink = defineSink({
  kind: 'console',
  schema: consoleSinkConfigSchema,
  async create(config, deps) {
    const { ConsoleSink } = await import('./sink.js');
    return new ConsoleSink(config, deps.name, deps.out);
  },
});
