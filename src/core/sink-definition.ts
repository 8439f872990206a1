import type { z } from 'zod';
import type { AwsClients } from '../aws/clients.js';
import type { Sink } from './sink.js';

/** What a sink needs from the pipeline to be built. */
export interface SinkDeps {
  /** AWS clients; absent when the pipeline was given none (then only sinks that need none can be built). */
  clients: AwsClients | undefined;
  /** The output's name. */
  name: string;
  /** Where console output goes. */
  out?: (text: string) => void;
}

/**
 * One sink kind: its pipeline-file schema and a factory that loads the implementation only when a
 * pipeline uses it (so validating a file, or `sluice --help`, loads no SDK client). Every kind is
 * listed once, in `src/sinks/registry.ts`.
 */
export interface SinkDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly kind: string;
  readonly schema: S;
  create(config: z.output<S>, deps: SinkDeps): Promise<Sink>;
}

export function defineSink<S extends z.ZodTypeAny>(d: SinkDefinition<S>): SinkDefinition<S> {
  return d;
}

/** The clients a sink needs, or a clear error when the pipeline was started without them. */
export function requireClients(deps: SinkDeps, kind: string): AwsClients {
  if (!deps.clients) throw new Error(`sink ${deps.name} (${kind}) needs AWS clients; start the pipeline with clients`);
  return deps.clients;
}
