import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { SHARD_END, type ShardCheckpoint } from '../checkpoint/store.js';
import type { PartitionLag, Source, SourceRecord } from '../core/source.js';
import { SluiceError } from '../errors.js';

export interface FileSourceOptions {
  path: string;
  /** Lines read ahead of the engine before reading pauses. Default 100,000. */
  maxBuffered?: number;
}

/**
 * One file of records, one per line (NDJSON for a JSON format, CSV lines for a CSV format): to try
 * a pipeline or backfill without a stream (`sluice run pipeline.yaml --input events.ndjson`). The
 * file is one partition, `file:<name>@<size>-<mtime>`, whose positions are line numbers; the
 * checkpoint store keeps the last line whose outputs are durable, so a rerun after a crash goes
 * on after it and a rerun of a fully read file reads nothing (change the file, and it is a new
 * partition). Empty lines are skipped.
 */
export class FileSource implements Source {
  readonly name: string;
  readonly partition: string;
  private readonly buffer: SourceRecord[] = [];
  private head = 0;
  private eof = false;
  private finished = false;
  private skipThrough = 0;
  private closed = false;
  private resume: (() => void) | undefined;
  private reading: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly maxBuffered: number;

  constructor(private readonly o: FileSourceOptions) {
    let stat;
    try {
      stat = statSync(o.path);
    } catch (error) {
      throw new SluiceError(`cannot read input file ${o.path}: ${(error as Error).message}; fix: give --input an existing file of one record per line`, { domain: 'user', code: 'InputFile', cause: error });
    }
    this.partition = `file:${basename(o.path)}@${stat.size}-${Math.floor(stat.mtimeMs)}`;
    this.name = this.partition;
    this.maxBuffered = o.maxBuffered ?? 100_000;
  }

  async start(checkpoints: ReadonlyMap<string, ShardCheckpoint>): Promise<void> {
    const cp = checkpoints.get(this.partition)?.checkpoint;
    if (cp === SHARD_END) {
      this.eof = true;
      this.finished = true;
      return;
    }
    this.skipThrough = cp ? Number(cp) : 0;
    this.reading = this.read().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.eof = true;
    });
  }

  private async read(): Promise<void> {
    const lines = createInterface({ input: createReadStream(this.o.path), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      if (this.closed) break;
      n++;
      if (n <= this.skipThrough || line.length === 0) continue;
      this.buffer.push({ shardId: this.partition, sequenceNumber: String(n), partitionKey: String(n), arrivalMs: Date.now(), data: Buffer.from(line) });
      while (this.buffer.length - this.head >= this.maxBuffered && !this.closed) await new Promise<void>((r) => (this.resume = r));
    }
    lines.close();
    this.eof = true;
  }

  partitionIds(): string[] {
    return [this.partition];
  }

  poll(max: number): SourceRecord[] {
    if (this.failure) throw new SluiceError(`reading ${this.o.path} failed: ${this.failure.message}`, { domain: 'user', code: 'InputFile', cause: this.failure });
    const take = Math.min(max, this.buffer.length - this.head);
    const out = this.buffer.slice(this.head, this.head + take);
    this.head += take;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    }
    if (this.resume && this.buffer.length - this.head < this.maxBuffered) {
      const r = this.resume;
      this.resume = undefined;
      r();
    }
    return out;
  }

  buffered(): number {
    return this.buffer.length - this.head;
  }

  finishedPartitions(): string[] {
    return this.eof && !this.finished && this.buffered() === 0 ? [this.partition] : [];
  }

  async onCommitted(saved: ReadonlyMap<string, string>): Promise<void> {
    if (saved.get(this.partition) === SHARD_END) this.finished = true;
  }

  readingPartitions(): string[] {
    return this.finished ? [] : [this.partition];
  }

  lags(): PartitionLag[] {
    return [{ shardId: this.partition, millisBehindLatest: 0, arrivalLagMs: 0, buffered: this.buffered(), ended: this.eof }];
  }

  exhausted = (): boolean => this.eof && this.buffered() === 0;

  async close(): Promise<void> {
    this.closed = true;
    this.resume?.();
    await this.reading;
  }
}
