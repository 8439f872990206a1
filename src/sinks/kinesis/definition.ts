import { defineSink, requireClients } from '../../core/sink-definition.js';
import { kinesisSinkConfigSchema } from './config.js';

/** The `kinesis` sink kind, for the registry. */
export const kinesisSink = defineSink({
  kind: 'kinesis',
  schema: kinesisSinkConfigSchema,
  async create(config, deps) {
    const { KinesisSink } = await import('./sink.js');
    return new KinesisSink(requireClients(deps, 'kinesis').kinesis, config, deps.name);
  },
});
