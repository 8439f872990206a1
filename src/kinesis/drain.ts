import type { KinesisRecord } from './record.js';

/**
 * Takes up to `max` records from the front of a shard's buffer, oldest first, never splitting a
 * KPL aggregate (its records share one sequence number, checkpointed once all are processed).
 * Returns the records taken and the buffer left (the same array when everything was taken is
 * handed out whole, without a copy).
 */
export function drainBuffer(buffer: KinesisRecord[], max: number): { out: KinesisRecord[]; rest: KinesisRecord[] } {
  let n = Math.min(max, buffer.length);
  while (n > 0 && n < buffer.length && buffer[n]!.sequenceNumber === buffer[n - 1]!.sequenceNumber) n++;
  if (n === buffer.length) return { out: buffer, rest: [] };
  return { out: buffer.splice(0, n), rest: buffer };
}
