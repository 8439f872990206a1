import { z } from 'zod';

export const dynamoSinkConfigSchema = z
  .object({
    kind: z.literal('dynamodb'),
    table: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3-255 characters from a-z A-Z 0-9 _ . -'),
    /** Name of the table's partition-key attribute. */
    keyAttribute: z.string().min(1).default('record_id'),
    /**
     * Columns whose values, joined with '#', form the key. The default (shard id + sequence number)
     * is stable per Kinesis record, so a record seen in many windows is one item.
     */
    keyColumns: z.array(z.string().min(1)).min(1).default(['_shard', '_seq']),
    /** Skip rows identical to one already written under the same key (within `dedupeRetentionMs`). */
    dedupe: z.boolean().default(true),
    dedupeRetentionMs: z.number().int().positive().default(10 * 60_000),
    /** BatchWriteItem calls in flight at once. */
    concurrency: z.number().int().min(1).max(64).default(8),
    createTable: z.boolean().default(true),
  })
  .strict();

export type DynamoSinkConfig = z.infer<typeof dynamoSinkConfigSchema>;
