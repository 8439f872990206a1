import { z } from 'zod';
import { defineSink } from '../../core/sink-definition.js';

export const consoleSinkConfigSchema = z
  .object({
    kind: z.literal('console'),
    /** Rows to show per batch, as Spark's `show(n)`. */
    rows: z.number().int().min(1).default(20),
    truncate: z.boolean().default(true),
  })
  .strict();

export type ConsoleSinkConfig = z.infer<typeof consoleSinkConfigSchema>;

/** The `console` sink kind, for the registry. */
export const consoleSink = defineSink({
  kind: 'console',
  schema: consoleSinkConfigSchema,
  async create(config, deps) {
    const { ConsoleSink } = await import('./sink.js');
    return new ConsoleSink(config, deps.name, deps.out);
  },
});
