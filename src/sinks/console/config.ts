import { z } from 'zod';

export const consoleSinkConfigSchema = z
  .object({
    kind: z.literal('console'),
    /** Rows to show per batch, as Spark's `show(n)`. */
    rows: z.number().int().min(1).default(20),
    truncate: z.boolean().default(true),
  })
  .strict();

export type ConsoleSinkConfig = z.infer<typeof consoleSinkConfigSchema>;
