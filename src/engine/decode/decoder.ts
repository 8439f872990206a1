import { describeValue, invalidOption } from '../../errors.js';
import type { KinesisRecord } from '../../kinesis/record.js';
import type { DeadLetter, Row } from '../operator.js';
import { FieldError, convertJson, convertText } from './convert.js';
import { splitCsvLine } from './csv-line.js';
import { jsonInCsv } from './csv-json.js'; // h-rel
import { DEFAULT_MAX_RECORD_BYTES, validateColumns, type RecordFormat } from './schema.js';

export interface DecodeResult {
  rows: Row[];
  deadLetters: DeadLetter[];
}

/**
 * Turns raw Kinesis records into typed rows. Never throws on bad data: each record that does not
 * decode becomes a dead letter with its bytes, position and a reason naming the field, the value and the fix.
 */
export class Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly maxBytes: number;

  constructor(readonly format: RecordFormat) {
    validateColumns(format.columns);
    if (format.kind === 'csv' && format.delimiter !== undefined && format.delimiter.length === 0) {
      throw invalidOption('format.delimiter', format.delimiter, 'use a non-empty delimiter such as "," or "\\t"');
    }
    this.maxBytes = format.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  decode(records: readonly KinesisRecord[]): DecodeResult {
    const rows: Row[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const rec of records) {
      const result = this.decodeOne(rec);
      if (typeof result === 'string') {
        deadLetters.push({
          reason: result,
          raw: rec.data,
          stage: 'decode',
          position: { shardId: rec.shardId, sequenceNumber: sequenceOf(rec), arrivalTime: new Date(rec.arrivalMs), partitionKey: rec.partitionKey },
        });
      } else {
        result._shard = rec.shardId;
        result._seq = sequenceOf(rec);
        result._arrival = rec.arrivalMs;
        rows.push(result);
      }
    }
    return { rows, deadLetters };
  }

  /** Returns the row, or the reason the record was refused. */
  private decodeOne(rec: KinesisRecord): Row | string {
    const size = rec.data.byteLength;
    if (size === 0) return 'record is empty (0 bytes); fix: the producer must send a non-empty payload';
    if (size > this.maxBytes) {
      return `record is ${size} bytes, above format.maxRecordBytes ${this.maxBytes}; fix: raise format.maxRecordBytes or send smaller records`;
    }
    let text: string;
    try {
      text = this.utf8.decode(rec.data);
    } catch {
      return `record is not valid UTF-8 text (${size} bytes, starts ${hexPrefix(rec.data)}); fix: send ${this.format.kind.toUpperCase()} text encoded as UTF-8`;
    }
    try {
      return this.format.kind === 'csv' ? this.decodeCsv(text) : this.decodeJson(text);
    } catch (error) {
      if (error instanceof FieldError) return error.message;
      throw error;
    }
  }

  private decodeCsv(text: string): Row | string {
    if (this.format.kind !== 'csv') throw new Error('unreachable');
    const cols = this.format.columns;
    const json = jsonInCsv(text); // h-rel: a JSON array/object is not a CSV row
    if (json) return json; // h-rel
    const fields = splitCsvLine(text, this.format.delimiter ?? ',');
    if (!fields) return `record has an unterminated quoted field: ${describeValue(text)}; fix: close the quote or escape it as ""`;
    if (fields.length !== cols.length) {
      return `record has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${cols.length} (${cols.map((c) => c.name).join(',')}): ${describeValue(text)}; fix: send exactly ${cols.length} comma-separated fields`;
    }
    const row: Row = {};
    for (let i = 0; i < cols.length; i++) row[cols[i]!.name] = convertText(cols[i]!, fields[i]!);
    return row;
  }

  private decodeJson(text: string): Row | string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return `record is not valid JSON (${(error as Error).message}): ${describeValue(text)}; fix: send one JSON object per record`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return `record is JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}, expected an object: ${describeValue(text)}; fix: send one JSON object per record`;
    }
    const obj = parsed as Record<string, unknown>;
    const row: Row = {};
    for (const col of this.format.columns) row[col.name] = convertJson(col, obj[col.name]);
    return row;
  }
}

/** A record's sequence number as rows show it: `<sequence>:<sub-sequence>` for records from a KPL aggregate. */
function sequenceOf(rec: KinesisRecord): string {
  return rec.subSequenceNumber === undefined ? rec.sequenceNumber : `${rec.sequenceNumber}:${rec.subSequenceNumber}`;
}

function hexPrefix(data: Uint8Array): string {
  return `0x${Buffer.from(data.subarray(0, 8)).toString('hex')}${data.byteLength > 8 ? '...' : ''}`;
}
