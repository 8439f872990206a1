import { z } from 'zod';
import { sinkSchema } from '../sinks/registry.js';
import { ColumnTypes } from '../engine/decode/schema.js';
import { kinesisSourceFields } from '../kinesis/config.js';
import { faultsSchema } from '../aws/faults.js';
import type { Operator } from '../core/operator.js';

const duration = z.union([z.number().positive(), z.string().regex(/^\s*\d+(?:\.\d+)?\s*(ms|s|m|h)?\s*$/, 'a duration such as "100ms", "20s", "1m"')]);

const column = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a letter followed by letters, digits or _'),
    type: z.enum(ColumnTypes),
    nullable: z.boolean().optional(),
  })
  .strict();

export const formatSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('csv'), columns: z.array(column).min(1), delimiter: z.string().min(1).optional(), maxRecordBytes: z.number().int().positive().optional() }).strict(),
  z.object({ kind: z.literal('json'), columns: z.array(column).min(1), maxRecordBytes: z.number().int().positive().optional() }).strict(),
]);

/**
 * Event-time windows: each record falls in the windows of its own timestamp (`column`), and a
 * window closes when the watermark (per shard: newest event time minus `watermark`) passes it.
 */
const eventTimeSchema = z
  .object({
    /** A timestamp column (or a number of epoch milliseconds), or `_arrival` (Kinesis' approximate arrival time). */
    column: z.string().min(1),
    /** How late (behind its shard's newest event) a record may arrive and still count: Spark's withWatermark delay. */
    watermark: z.union([z.literal(0), duration]),
    /** A shard with no records for this long stops holding the watermark back. */
    idleTimeout: duration.default('1m'),
    /** `append`: each window once, when the watermark passes its end; `update`: each batch, the groups it changed. */
    outputMode: z.enum(['append', 'update']).default('append'),
    /** Where late records go instead of the dead-letter table: any sink, given the record's columns and `late_reason`. */
    lateSink: z.lazy(() => sinkSchema).optional(),
  })
  .strict();

export const windowSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('sliding'), length: duration, slide: duration.optional(), eventTime: eventTimeSchema.optional() }).strict(),
  z.object({ kind: z.literal('tumbling'), length: duration, eventTime: eventTimeSchema.optional() }).strict(),
]);

export { sinkSchema };

/** Operators are validated by their own schemas (see the operator registry); here only the kind. */
export const operatorSchema = z.object({ kind: z.string().min(1) }).passthrough();

export const pipelineConfigSchema = z
  .object({
    /** The application name: names the checkpoint table, as the KCL's and seed 001's appName. */
    app: z.string().regex(/^[a-zA-Z0-9_.-]{3,200}$/, '3-200 characters from a-z A-Z 0-9 _ . - (it names a DynamoDB table)'),
    source: z
      .object({
        stream: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'a Kinesis stream name: 1-128 characters from a-z A-Z 0-9 _ . -'),
        startingPosition: z.string().default('latest'),
        /** Create the stream with this many shards if it does not exist (local development). */
        createShards: z.number().int().positive().optional(),
        pollInterval: duration.default(200),
        /** GetRecords `Limit`; default 10,000 on AWS, 1,000 on a loopback endpoint (see KinesisSourceOptions.limit). */
        recordsPerPoll: z.number().int().min(1).max(10_000).optional(),
        maxBufferedPerShard: z.number().int().positive().default(50_000),
        ...kinesisSourceFields,
      })
      .strict(),
    format: formatSchema,
    batchInterval: duration.default(1000),
    maxRecordsPerBatch: z.number().int().positive().default(200_000),
    /**
     * While the source is behind by more than a batch interval, start the next batch as soon as one
     * has prepared (default). false: one batch per interval whatever the backlog, so
     * maxRecordsPerBatch / batchInterval bounds the rate.
     */
    catchUp: z.boolean().default(true),
    operators: z.array(operatorSchema).default([]),
    window: windowSchema.default({ kind: 'none' }),
    /** Name of the SQL view holding the window's rows (the current batch's rows when there is no window). */
    view: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a SQL identifier').default('events'),
    outputs: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -'),
            sql: z.string().min(1),
            sink: sinkSchema,
          })
          .strict(),
      )
      .min(1),
    deadLetter: z.object({ table: z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/) }).strict().optional(),
    /**
     * Workers sharing the stream: a lease not renewed for `failover` is taken over by another worker.
     * Run more `sluice run` processes with the same app to spread shards across them.
     */
    lease: z
      .object({
        failover: duration.default(10_000),
        /**
         * How workers share the shards: `load` (default) evens the records per second each worker
         * reads (each lease publishes its shard's rate), `count` evens the number of leases only.
         */
        balance: z.enum(['load', 'count'], { error: 'one of "load" (even records per second per worker) or "count" (even lease counts)' }).optional(),
        /** Balance by load moves a lease only while a worker is above or below the average by more than this fraction. Default 0.2. */
        loadMargin: z.number({ error: 'a fraction of the average load between 0.05 and 1, such as 0.2' }).min(0.05, 'at least 0.05 (below, leases move back and forth on noise)').max(1, 'at most 1').optional(),
        /**
         * On a clean stop (SIGTERM, Ctrl-C), hand each lease to the least loaded live worker, which
         * takes it at its next round; `false`: release them, and others take them at their next Scan.
         */
        handoff: z.boolean({ error: 'true (hand leases to a named worker on a clean stop) or false (release them)' }).optional(),
      })
      .strict()
      .default({ failover: 10_000 }),
    /**
     * Bounds on the pipeline's SQL (DuckDB): memory (`memory_limit`, e.g. "1GB"), worker threads, and
     * the time one query may run before it is interrupted. Defaults: 1GB, 1 thread, 30s.
     */
    sql: z
      .object({
        memoryLimit: z.string().regex(/^\s*\d+(?:\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i, 'a size such as "512MB" or "2GB"').optional(),
        threads: z.number().int().min(1).max(64).optional(),
        queryTimeout: duration.optional(),
      })
      .strict()
      .default({}),
    /**
     * With stateful operators (detectors, online learners): how often their state and the positions
     * it covers are saved together as one snapshot. Checkpoints move only with snapshots, so after a
     * crash at most this much is replayed into the restored state.
     */
    stateInterval: duration.default(10_000),
    /**
     * Without state: commit positions at most this often (unset: after every batch, as Spark's
     * Kinesis connector with its checkpoint interval at the batch interval). Each commit writes one
     * item per shard read since the last one; a crash replays at most this much more. A clean stop,
     * a lease handed over for balance and a shard read to its end commit at once.
     */
    checkpointInterval: duration.optional(),
    /** Injected AWS faults for rehearsals (see src/aws/faults.ts); also settable with SLUICE_FAULTS. */
    faults: faultsSchema.optional(),
  })
  .strict();

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type SinkConfig = z.output<typeof sinkSchema>;
export type OperatorConfig = z.output<typeof operatorSchema>;

/** Builds one operator from its pipeline-file entry (`index` names it in errors: `operators[index]`). */
export type OperatorFactory = (config: OperatorConfig, index: number) => Operator;
