import type { ShardCheckpoint } from '../checkpoint/store.js';
import type { PartitionLag, Source, SourceRecord } from '../core/source.js';

/**
 * The `Source` of a Lambda invocation: the records of one Kinesis event, handed over whole. The
 * event source mapping (ESM) reads the shard and owns its position, so this source has nothing to
 * start, commit or close; the handler loads each event's records and runs one micro-batch.
 */
export class EventSource implements Source {
  readonly name = 'lambda-event';
  private records: SourceRecord[] = [];
  private readonly seen = new Set<string>();

  async start(_checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {}

  /** Replaces whatever is buffered with this event's records. */
  load(records: readonly SourceRecord[]): void {
    this.records = [...records];
    for (const r of records) this.seen.add(r.shardId);
  }

  partitionIds(): string[] {
    return [...this.seen];
  }

  poll(max: number): SourceRecord[] {
    return this.records.splice(0, max);
  }

  buffered(): number {
    return this.records.length;
  }

  finishedPartitions(): string[] {
    return [];
  }

  async onCommitted(_saved: ReadonlyMap<string, string>): Promise<void> {}

  readingPartitions(): string[] {
    return this.partitionIds().sort();
  }

  lags(): PartitionLag[] {
    return this.partitionIds().map((id) => ({ shardId: id, millisBehindLatest: 0, arrivalLagMs: 0, buffered: this.records.length, ended: false }));
  }

  async close(): Promise<void> {}
}
