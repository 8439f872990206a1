import { z } from 'zod';
import type { Sink } from '../core/sink.js';
import type { SinkDefinition, SinkDeps } from '../core/sink-definition.js';
import { consoleSink } from './console/definition.js';
import { counterSink } from './counter/definition.js';
import { dynamodbSink } from './dynamodb/definition.js';
import { kinesisSink } from './kinesis/definition.js';

/**
 * Every sink kind, registered in one place (as arroyo registers its connectors): the pipeline
 * schema's `sink` union and the factory both come from this list. A new sink is a folder
 * (`config.ts` with its schema, `definition.ts` that builds it lazily, the implementation, `index.ts`) and one entry here.
 */
export const sinkDefinitions = [dynamodbSink, counterSink, kinesisSink, consoleSink] as const;

/** The definitions' schemas as a tuple type (a homomorphic mapped type keeps the tuple). */
type SchemasOf<T extends readonly SinkDefinition[]> = { -readonly [K in keyof T]: T[K] extends SinkDefinition<infer S> ? S : never };
export const sinkSchema = z.discriminatedUnion('kind', sinkDefinitions.map((d) => d.schema) as unknown as SchemasOf<typeof sinkDefinitions>);
export type SinkConfig = z.output<typeof sinkSchema>;

export async function createSink(config: SinkConfig, deps: SinkDeps): Promise<Sink> {
  const def = sinkDefinitions.find((d) => d.kind === config.kind);
  if (!def) throw new Error(`no sink kind ${config.kind}`);
  return (def.create as (c: SinkConfig, d: SinkDeps) => Promise<Sink>)(config, deps);
}
