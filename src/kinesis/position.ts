import type { ShardIteratorType } from '@aws-sdk/client-kinesis';
import { invalidOption } from '../errors.js';

/** Where a consumer starts reading a shard that has no checkpoint yet. */
export type StartingPosition =
  | { kind: 'latest' }
  | { kind: 'trimHorizon' }
  | { kind: 'atTimestamp'; at: Date };

/** Where a consumer (re)starts a shard: a starting position, or just after a known record. */
export type ShardPosition = StartingPosition | { kind: 'afterSequence'; sequenceNumber: string } | { kind: 'atSequence'; sequenceNumber: string };

export function iteratorRequest(position: ShardPosition): {
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
} {
  switch (position.kind) {
    case 'latest':
      return { ShardIteratorType: 'LATEST' };
    case 'trimHorizon':
      return { ShardIteratorType: 'TRIM_HORIZON' };
    case 'atTimestamp':
      return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: position.at };
    case 'afterSequence':
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
    case 'atSequence':
      return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
  }
}

/**
 * Parses the textual forms users write in config and on the command line:
 * `latest`, `trim_horizon` (or `trimHorizon`), `at_timestamp:2026-11-23T10:00:00Z`.
 */
export function parseStartingPosition(text: string): StartingPosition {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'latest') return { kind: 'latest' };
  if (lower === 'trim_horizon' || lower === 'trimhorizon' || lower === 'earliest') return { kind: 'trimHorizon' };
  const m = /^(?:at_timestamp|attimestamp)[:=](.+)$/i.exec(t);
  if (m) {
    const raw = m[1]!;
    const at = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
    if (Number.isNaN(at.getTime())) throw invalidOption('startingPosition', text, 'write at_timestamp:<ISO-8601 time or epoch ms>, e.g. at_timestamp:2026-11-23T10:00:00Z');
    return { kind: 'atTimestamp', at };
  }
  throw invalidOption('startingPosition', text, 'use latest, trim_horizon or at_timestamp:<ISO time>');
}

/** Compares two Kinesis sequence numbers (decimal strings of up to 128 bits). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
