import type { Sent } from './aws.js';

/** One acknowledged record as an independent reference judges it. */
export interface Judged<E> {
  record: Sent;
  shard: string;
  event: E;
  /** Event time, epoch ms. */
  time: number;
  /** Older than the newest earlier record of its shard minus the delay. */
  late: boolean;
}

/**
 * Event-time lateness from what Kinesis acknowledged alone, independent of the engine: in each
 * shard's sequence order a record is late when its time is before the newest earlier on-time
 * record of its shard minus `delayMs`. Also each shard's final watermark (newest minus the delay).
 */
export function judge<E extends { timestamp: string }>(sent: readonly Sent[], delayMs: number): { records: Judged<E>[]; watermarks: Map<string, number> } {
  const byShard = new Map<string, Sent[]>();
  for (const s of sent) byShard.set(s.shardId, [...(byShard.get(s.shardId) ?? []), s]);
  const records: Judged<E>[] = [];
  const watermarks = new Map<string, number>();
  for (const [shard, list] of byShard) {
    list.sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
    let newest = -Infinity;
    for (const record of list) {
      const event = JSON.parse(Buffer.from(record.data).toString()) as E;
      const time = Date.parse(event.timestamp);
      const late = time < newest - delayMs;
      if (!late) newest = Math.max(newest, time);
      records.push({ record, shard, event, time, late });
    }
    watermarks.set(shard, newest - delayMs);
  }
  return { records, watermarks };
}

/** `2015-06-05T12:01`: the minute an event time falls in, as the tests' buckets name it. */
export function minuteOf(time: number): string {
  return new Date(Math.floor(time / 60_000) * 60_000).toISOString().slice(0, 16);
}
