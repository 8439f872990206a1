import type { AwsClients } from '../aws/clients.js';
import type { SinkConfig } from '../pipeline/config.js';
import { ConsoleSink } from './console/sink.js';
import { DynamoDbSink } from './dynamodb/sink.js';
import { KinesisSink } from './kinesis/sink.js';
import { CounterSink } from './counter/sink.js';
import type { Sink } from './sink.js';

/** Every sink kind, registered in one place (as arroyo registers its connectors). */
export function createSink(config: SinkConfig, clients: AwsClients, name: string, out?: (text: string) => void): Sink {
  switch (config.kind) {
    case 'dynamodb':
      return new DynamoDbSink(clients.dynamodb, config, name);
    case 'dynamodb-counter':
      return new CounterSink(clients.dynamodb, config, name);
    case 'kinesis':
      return new KinesisSink(clients.kinesis, config, name);
    case 'console':
      return new ConsoleSink(config, name, out);
  }
}
