import type { ShardIteratorType } from '@aws-sdk/client-kinesis';
import { invalidOption } from '../errors.js';

/** A record, or a user record inside a KPL aggregate (`subSequence` = its index). */
export interface SequencePoint {
  sequenceNumber: string;
  subSequence?: number;
}

/**
 * Where a consumer starts reading a shard that has no checkpoint yet. `sequences` starts the named
 * shards at (or just after) a given record and every other shard at TRIM_HORIZON (nothing skipped).
 */
export type StartingPosition =
  | { kind: 'latest' }
  | { kind: 'trimHorizon' }
  | { kind: 'atTimestamp'; at: Date }
  | { kind: 'sequences'; after: boolean; shards: Readonly<Record<string, SequencePoint>> };

/** Where a consumer (re)starts one shard. */
export type ShardPosition =
  | Exclude<StartingPosition, { kind: 'sequences' }>
  | ({ kind: 'afterSequence' } & SequencePoint)
  | ({ kind: 'atSequence' } & SequencePoint);

/** The position of one shard under a starting position. */
export function shardStart(position: StartingPosition, shardId: string): ShardPosition {
  if (position.kind !== 'sequences') return position;
  const point = position.shards[shardId];
  if (!point) return { kind: 'trimHorizon' };
  return { kind: position.after ? 'afterSequence' : 'atSequence', ...point };
}

/**
 * User records to drop from the first records read at a sub-sequence start: inside the aggregate
 * at `sequenceNumber`, those before `subSequence` (at) or up to it (after).
 */
export function skipsRecord(position: ShardPosition, record: { sequenceNumber: string; subSequenceNumber?: number }): boolean {
  if ((position.kind !== 'atSequence' && position.kind !== 'afterSequence') || position.subSequence === undefined) return false;
  if (record.sequenceNumber !== position.sequenceNumber) return false;
  const index = record.subSequenceNumber ?? 0;
  return position.kind === 'atSequence' ? index < position.subSequence : index <= position.subSequence;
}

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
      // After a user record inside an aggregate: the aggregate is read again and the records up to it dropped.
      if (position.subSequence !== undefined) return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
      return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
    case 'atSequence':
      return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: position.sequenceNumber };
  }
}

const SEQUENCE_HELP =
  'write at_sequence_number:<shardId>/<sequence number>[.<KPL sub-sequence>] (or after_sequence_number:...), several shards separated by commas, e.g. after_sequence_number:shardId-000000000000/49590338271490256608559692538361571095921575989136588898.3';

/**
 * Parses the textual forms users write in config and on the command line:
 * `latest`, `trim_horizon` (or `trimHorizon`, `earliest`), `at_timestamp:2026-11-23T10:00:00Z`,
 * `at_sequence_number:<shardId>/<seq>[.<sub>]`, `after_sequence_number:<shardId>/<seq>[.<sub>]`.
 */
export function parseStartingPosition(text: string): StartingPosition {
  const t = text.trim();
  const lower = t.toLowerCase();
  const seq = /^(at|after)_sequence_number[:=\s]\s*(.+)$/i.exec(t);
  if (seq) {
    const shards: Record<string, SequencePoint> = {};
    for (const part of seq[2]!.split(',')) {
      const m = /^\s*([A-Za-z0-9_.-]+)\/(\d{1,129})(?:\.(\d+))?\s*$/.exec(part);
      if (!m) throw invalidOption('startingPosition', text, SEQUENCE_HELP);
      shards[m[1]!] = { sequenceNumber: m[2]!, ...(m[3] !== undefined ? { subSequence: Number(m[3]) } : {}) };
    }
    return { kind: 'sequences', after: seq[1]!.toLowerCase() === 'after', shards };
  }
  if (lower === 'latest') return { kind: 'latest' };
  if (lower === 'trim_horizon' || lower === 'trimhorizon' || lower === 'earliest') return { kind: 'trimHorizon' };
  const m = /^(?:at_timestamp|attimestamp)[:=](.+)$/i.exec(t);
  if (m) {
    const raw = m[1]!;
    const at = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
    if (Number.isNaN(at.getTime())) throw invalidOption('startingPosition', text, 'write at_timestamp:<ISO-8601 time or epoch ms>, e.g. at_timestamp:2026-11-23T10:00:00Z');
    return { kind: 'atTimestamp', at };
  }
  throw invalidOption('startingPosition', text, 'use latest, trim_horizon, at_timestamp:<ISO time>, at_sequence_number:<shardId>/<seq> or after_sequence_number:<shardId>/<seq>');
}

/** Compares two Kinesis sequence numbers (decimal strings of up to 128 bits). */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
