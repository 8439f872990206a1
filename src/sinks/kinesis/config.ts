import { z } from 'zod';

export const kinesisSinkConfigSchema = z
  .object({
    kind: z.literal('kinesis'),
    stream: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'a Kinesis stream name: 1-128 characters from a-z A-Z 0-9 _ . -'),
    /** Column whose value is the partition key; default: the source record's shard + sequence number. */
    partitionKeyColumn: z.string().min(1).optional(),
    /** Create the stream with this many shards if it does not exist. */
    createShards: z.number().int().positive().optional(),
  })
  .strict();

export type KinesisSinkConfig = z.infer<typeof kinesisSinkConfigSchema>;
