import { z } from 'zod';

export const counterSinkConfigSchema = z
  .object({
    kind: z.literal('dynamodb-counter'),
    table: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3-255 characters from a-z A-Z 0-9 _ . -'),
    keyAttribute: z.string().min(1).default('bucket_key'),
    /** Columns whose values, joined with '#', name the counter (e.g. [bucket, type]). */
    keyColumns: z.array(z.string().min(1)).min(1),
    /** Add this numeric column instead of counting rows. */
    sumColumn: z.string().min(1).optional(),
    /** Attribute holding the total. */
    valueAttribute: z.string().min(1).default('count'),
    createTable: z.boolean().default(true),
  })
  .strict();

export type CounterSinkConfig = z.infer<typeof counterSinkConfigSchema>;
