import type { ShardCheckpoint } from '../checkpoint/store.js';
import { SHARD_END } from '../checkpoint/store.js';
import type { PartitionLag, Source, SourceRecord } from '../core/source.js';

/**
 * A source fed from memory: tests, benchmarks and embedding. Each partition's records get
 * positions 1, 2, 3, ... in the order pushed; `end(partition)` closes a partition, after which
 * it reports finished once drained. Checkpoints given to `start` skip what they cover.
 */
export class MemorySource implements Source {
  readonly name: string;
  private readonly queues = new Map<string, SourceRecord[]>();
  private readonly heads = new Map<string, number>();
  private readonly next = new Map<string, bigint>();
  private readonly ended = new Set<string>();
  private readonly skipThrough = new Map<string, bigint | 'end'>();
  private readonly parents = new Map<string, readonly string[]>();

  constructor(partitions: readonly string[], name = 'memory') {
    this.name = name;
    for (const p of partitions) this.addPartition(p);
  }

  /** Declares a partition the child of others (a reshard, as Kinesis' ParentShardId): its state starts from theirs. */
  setParents(partition: string, parents: readonly string[]): void {
    this.addPartition(partition);
    this.parents.set(partition, parents);
  }

  parentsOf(partition: string): string[] {
    return [...(this.parents.get(partition) ?? [])];
  }

  addPartition(id: string): void {
    if (this.queues.has(id)) return;
    this.queues.set(id, []);
    this.heads.set(id, 0);
    this.next.set(id, 1n);
  }

  async start(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    for (const [id, c] of checkpoints) this.skipThrough.set(id, c.checkpoint === SHARD_END ? 'end' : BigInt(c.checkpoint));
  }

  /** Appends records to a partition; returns the positions given. */
  push(partition: string, data: readonly Uint8Array[], arrivalMs = Date.now(), partitionKey = 'k'): string[] {
    this.addPartition(partition);
    const q = this.queues.get(partition)!;
    const skip = this.skipThrough.get(partition);
    const out: string[] = [];
    let n = this.next.get(partition)!;
    for (const d of data) {
      const seq = n++;
      out.push(String(seq));
      if (skip === 'end' || (skip !== undefined && seq <= skip)) continue;
      q.push({ shardId: partition, sequenceNumber: String(seq), partitionKey, arrivalMs, data: d });
    }
    this.next.set(partition, n);
    return out;
  }

  end(partition: string): void {
    this.ended.add(partition);
  }

  partitionIds(): string[] {
    return [...this.queues.keys()];
  }

  poll(max: number): SourceRecord[] {
    const out: SourceRecord[] = [];
    for (const [id, q] of this.queues) {
      if (out.length >= max) break;
      let h = this.heads.get(id)!;
      const take = Math.min(q.length - h, max - out.length);
      for (let i = 0; i < take; i++) out.push(q[h++]!);
      if (h === q.length) {
        q.length = 0;
        h = 0;
      }
      this.heads.set(id, h);
    }
    return out;
  }

  buffered(): number {
    let n = 0;
    for (const [id, q] of this.queues) n += q.length - this.heads.get(id)!;
    return n;
  }

  finishedPartitions(): string[] {
    return [...this.ended].filter((id) => this.queues.get(id)!.length - this.heads.get(id)! === 0 && this.skipThrough.get(id) !== 'end');
  }

  async onCommitted(saved: ReadonlyMap<string, string>): Promise<void> {
    for (const [id, seq] of saved) if (seq === SHARD_END) this.skipThrough.set(id, 'end');
  }

  readingPartitions(): string[] {
    return this.partitionIds().filter((id) => this.skipThrough.get(id) !== 'end').sort();
  }

  lags(): PartitionLag[] {
    return this.partitionIds().map((id) => ({ shardId: id, millisBehindLatest: 0, arrivalLagMs: 0, buffered: this.queues.get(id)!.length - this.heads.get(id)!, ended: this.ended.has(id) }));
  }

  /** True once every partition is ended and drained. */
  exhausted = (): boolean => this.queues.size > 0 && [...this.queues.keys()].every((id) => this.ended.has(id) && this.queues.get(id)!.length - this.heads.get(id)! === 0);

  async close(): Promise<void> {}
}
