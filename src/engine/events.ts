import { EventEmitter } from 'node:events';
import type { PartitionLag } from '../core/source.js';

/**
 * Typed, namespaced events: the CLI and the dashboard are clients of these, never of the
 * engine's internals (as kafkajs exposes `InstrumentationEvent<T>`).
 */
export interface EngineEvents {
  'batch.end': {
    batchId: number;
    batchTime: Date;
    /** Records read from Kinesis in this batch. */
    records: number;
    /** Records that decoded into rows. */
    rows: number;
    deadLetters: number;
    /** Records later than the watermark allows, sent to the dead letters (event-time windows). */
    late: number;
    /** The event-time watermark after this batch, epoch ms (-Infinity before any record); absent without event-time windows. */
    watermark?: number;
    /** Whether the window fired (outputs ran) in this batch. */
    fired: boolean;
    /** Rows each output's query returned. */
    outputs: Record<string, number>;
    durationMs: number;
    /** Records still buffered after this batch: above 0, the pipeline is behind and catching up. */
    backlog: number;
    /** Whether this batch was cut short by `maxRecordsPerBatch` with records still waiting. */
    catchingUp: boolean;
    /** Started before its tick because records had waited more than a batch interval (`catchUp`). */
    early?: boolean;
    /** Records and payload bytes per partition (shard) in this batch. */
    byShard: Record<string, { records: number; bytes: number }>;
  };
  /** An output's rows for one batch (the first 100; `total` says how many there were). Emitted only when someone listens. */
  'output.rows': { output: string; batchId: number; rows: readonly Record<string, unknown>[]; columns: string[]; total: number };
  'sink.flush': { sink: string; table?: string; written: number; skipped: number; failed: number; durationMs: number };
  /** A sink write has not completed for `seconds` (repeated while it lasts): the batch, and so the checkpoint, waits for it. */
  'sink.stalled': { sink: string; batchId: number; seconds: number };
  /** Rows not written because their shards' leases were lost before the write (the sink fence): the new owner writes them. */
  'sink.fenced': { batchId: number; shards: string[]; rows: number };
  'deadletter.flush': { written: number; reasons: string[] };
  /** `shards`: the positions durably committed (never one the store refused). */
  'checkpoint.commit': { shards: Record<string, string>; durationMs: number };
  /**
   * Positions the store refused although this worker holds the lease: another worker checkpointed
   * the shard further while it held it, so what we read of it was stale. Read again from there.
   */
  'checkpoint.refused': { shards: Record<string, string> };
  'shard.lag': { shards: PartitionLag[] };
  'consumer.error': { error: Error };
  /** `gained`: partitions taken this round (not renewed), read again from their stored checkpoint. */
  'lease.round': { workerId: string; owned: string[]; gained: string[] };
  'lease.lost': { workerId: string; shards: string[] };
  /** On a clean stop, where one lease went: `to` the worker named to take it at its next round, or null (released). */
  /** A lease handed to a named worker (or released: `to` null), on a clean `stop` or asked for `balance`. */
  'lease.handoff': { workerId: string; shard: string; to: string | null; ms: number; reason: 'stop' | 'balance' };
  'pipeline.stop': { reason: string };
  /** Something the operator should know that does not stop the pipeline (printed by `sluice run`): an output not exact across workers, a table recreated empty. */
  'pipeline.warning': { message: string };
  /** How the pipeline runs where it differs from the config's plain reading (printed by `sluice run`): a processing-time window run on arrival time. */
  'pipeline.info': { message: string };
}

export type EngineEventName = keyof EngineEvents;

export class EngineEventBus {
  private readonly emitter = new EventEmitter();

  on<K extends EngineEventName>(name: K, listener: (payload: EngineEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  emit<K extends EngineEventName>(name: K, payload: EngineEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  /** How many listeners an event has, so costly payloads are built only when someone listens. */
  listenerCount(name: EngineEventName): number {
    return this.emitter.listenerCount(name);
  }
}
