import { defineSink, requireClients } from '../../core/sink-definition.js';
import { dynamoSinkConfigSchema } from './config.js';

/** The `dynamodb` sink kind, for the registry. */
export const dynamodbSink = defineSink({
  kind: 'dynamodb',
  schema: dynamoSinkConfigSchema,
  async create(config, deps) {
    const { DynamoDbSink } = await import('./sink.js');
    return new DynamoDbSink(requireClients(deps, 'dynamodb').dynamodb, config, deps.name);
  },
});
