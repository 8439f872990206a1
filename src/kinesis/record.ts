import type { SourceRecord } from '../core/source.js';

/** One record as read from a shard, before decoding: the engine's source record (Kinesis names are its names). */
export type KinesisRecord = SourceRecord;
