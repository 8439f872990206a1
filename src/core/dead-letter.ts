import type { Row } from './batch.js';

/** Where a record came from, for dead letters and stable keys. */
export interface RecordPosition {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly arrivalTime: Date;
  readonly partitionKey?: string;
}

export interface DeadLetter {
  /** Why the row could not be processed: names the field, the value and the fix. */
  readonly reason: string;
  /** Raw record bytes when known (decode failures), else the row as JSON. */
  readonly raw: Uint8Array;
  readonly position?: RecordPosition;
  /** The stage that refused it: `decode`, an operator's name, a sink's name. */
  readonly stage: string;
}

/**
 * A dead letter for a row an operator or sink cannot take: the row as JSON, the stage, the reason,
 * and the record's position when the row carries it.
 */
export function rowDeadLetter(row: Row, stage: string, reason: string): DeadLetter {
  const position = positionOf(row);
  const raw = new TextEncoder().encode(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return { reason, raw, stage, ...(position ? { position } : {}) };
}

/** Reads the position metadata columns of a decoded row, if present. */
export function positionOf(row: Row): RecordPosition | undefined {
  const shardId = row._shard;
  const sequenceNumber = row._seq;
  const arrival = row._arrival;
  if (typeof shardId !== 'string' || typeof sequenceNumber !== 'string') return undefined;
  return { shardId, sequenceNumber, arrivalTime: new Date(typeof arrival === 'number' ? arrival : 0) };
}
