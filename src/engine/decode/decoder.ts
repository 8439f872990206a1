import { describeValue, invalidOption } from '../../errors.js';
import { ColumnBatch, type Field } from '../../core/batch.js';
import type { DeadLetter } from '../../core/dead-letter.js';
import type { SourceRecord } from '../../core/source.js';
import { ColumnArrays } from './column-arrays.js';
import { FieldError, convertJson, convertText } from './convert.js';
import { CsvBytes } from './csv-bytes.js';
import { splitCsvLine } from './csv-line.js';
import { jsonInCsv } from './csv-json.js';
import { JsonBytes } from './json-bytes.js';
import { DEFAULT_MAX_RECORD_BYTES, validateColumns, type ColumnSpec, type RecordFormat } from './schema.js';

export interface DecodeResult {
  /** The declared columns, then `_shard`, `_seq`, `_arrival`. */
  batch: ColumnBatch;
  deadLetters: DeadLetter[];
}

/** The metadata fields every decoded batch carries after the declared columns. */
export const METADATA_FIELDS: readonly Field[] = [
  { name: '_shard', type: 'string' },
  { name: '_seq', type: 'string' },
  { name: '_arrival', type: 'long' },
];

/**
 * Turns raw Kinesis records into typed rows. Never throws on bad data: each record that does not
 * decode becomes a dead letter with its bytes, position and a reason naming the field, the value and the fix.
 */
export class Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private readonly maxBytes: number;
  /** The byte decoder (see csv-bytes.ts, json-bytes.ts); `bytes: false` in the options turns it off (tests compare both). */
  private readonly bytes: CsvBytes | JsonBytes | undefined;
  readonly fields: readonly Field[];

  constructor(
    readonly format: RecordFormat,
    options: { bytes?: boolean } = {},
  ) {
    validateColumns(format.columns);
    if (format.kind === 'csv' && format.delimiter !== undefined && format.delimiter.length === 0) {
      throw invalidOption('format.delimiter', format.delimiter, 'use a non-empty delimiter such as "," or "\\t"');
    }
    this.maxBytes = format.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.bytes = options.bytes === false ? undefined : format.kind === 'csv' ? CsvBytes.for(format.columns, format.delimiter ?? ',') : new JsonBytes(format.columns);
    this.fields = [...format.columns.map((c) => ({ name: c.name, type: c.type })), ...METADATA_FIELDS];
  }

  decode(records: readonly SourceRecord[]): DecodeResult {
    const n = records.length;
    const cols = this.format.columns;
    const kinds = cols.map((c) => (c.type === 'string' ? 0 : 1));
    // Every column written by row index, by the byte decoder or the text decoder alike.
    const arrays = new ColumnArrays(cols, n);
    const bytes = this.bytes;
    const shard: string[] = [];
    const seq: string[] = [];
    const arrival = new Float64Array(n);
    const values: unknown[] = new Array(cols.length);
    const deadLetters: DeadLetter[] = [];
    const maxBytes = this.maxBytes;
    let row = 0;
    for (const rec of records) {
      const size = rec.data.byteLength;
      // The byte decoder takes the common record; it leaves anything else, and decides no reason.
      if (bytes === undefined || size === 0 || size > maxBytes || !bytes.row(rec.data, arrays, row)) {
        const reason = this.decodeOne(rec, values);
        if (reason !== undefined) {
          deadLetters.push({
            reason,
            raw: rec.data,
            stage: 'decode',
            position: { shardId: rec.shardId, sequenceNumber: sequenceOf(rec), arrivalTime: new Date(rec.arrivalMs), partitionKey: rec.partitionKey },
          });
          continue;
        }
        for (let c = 0; c < kinds.length; c++) {
          const v = values[c];
          if (kinds[c] === 0) arrays.str(c, row, v as string | null);
          else if (v === null) arrays.nul(c, row);
          else arrays.num(c, row, typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));
        }
      }
      shard.push(rec.shardId);
      seq.push(rec.subSequenceNumber === undefined ? rec.sequenceNumber : sequenceOf(rec));
      arrival[row] = rec.arrivalMs;
      row++;
    }
    const columns = arrays.finish(row);
    columns.push({ values: shard }, { values: seq }, { values: arrival.subarray(0, row) });
    return { batch: new ColumnBatch(this.fields, columns, row), deadLetters };
  }

  /** Fills `out` with the record's column values and returns undefined, or returns why the record was refused. */
  private decodeOne(rec: SourceRecord, out: unknown[]): string | undefined {
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
      return this.format.kind === 'csv' ? this.decodeCsv(text, out) : this.decodeJson(text, out);
    } catch (error) {
      if (error instanceof FieldError) return error.message;
      throw error;
    }
  }

  private decodeCsv(text: string, out: unknown[]): string | undefined {
    if (this.format.kind !== 'csv') throw new Error('unreachable');
    const cols = this.format.columns;
    const delimiter = this.format.delimiter ?? ',';
    // A JSON array or object is not a CSV row, even when its commas split it into the right count.
    const json = jsonInCsv(text);
    if (json) return json;
    // Fast path (no quotes, one-character delimiter): convert each field where it stands, with no
    // intermediate array of fields; integers are parsed from the characters, without a substring.
    if (delimiter.length === 1 && text.indexOf('"') === -1) {
      let end = text.length;
      while (end > 0 && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
      let start = 0;
      try {
        for (let i = 0; i < cols.length; i++) {
          const last = i === cols.length - 1;
          const next = text.indexOf(delimiter, start);
          const stop = last ? end : next;
          if ((last && next !== -1 && next < end) || (!last && (next === -1 || next >= end))) return this.fieldCountError(text, delimiter);
          out[i] = convertField(cols[i]!, text, start, stop);
          start = stop + 1;
        }
      } catch (error) {
        // A field is converted before the count is known: a row of 9,999 commas is a wrong count, not an empty id.
        if (error instanceof FieldError && text.slice(0, end).split(delimiter).length !== cols.length) return this.fieldCountError(text, delimiter);
        throw error;
      }
      return undefined;
    }
    const fields = splitCsvLine(text, delimiter);
    if (!fields) return `record has an unterminated quoted field: ${describeValue(text)}; fix: close the quote or escape it as ""`;
    if (fields.length !== cols.length) return this.fieldCountError(text, delimiter);
    for (let i = 0; i < cols.length; i++) out[i] = convertText(cols[i]!, fields[i]!);
    return undefined;
  }

  private fieldCountError(text: string, delimiter: string): string {
    const cols = this.format.columns;
    const count = splitCsvLine(text, delimiter)?.length ?? 0;
    return `record has ${count} field${count === 1 ? '' : 's'}, expected ${cols.length} (${cols.map((c) => c.name).join(',')}): ${describeValue(text)}; fix: send exactly ${cols.length} comma-separated fields`;
  }

  private decodeJson(text: string, out: unknown[]): string | undefined {
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
    const cols = this.format.columns;
    for (let i = 0; i < cols.length; i++) out[i] = convertJson(cols[i]!, obj[cols[i]!.name]);
    return undefined;
  }
}

/**
 * Converts `text[start, stop)` to the column's type. Plain integers and non-empty strings are
 * handled here; everything else (and every error, so its message stays the same) by convertText.
 */
function convertField(col: ColumnSpec, text: string, start: number, stop: number): unknown {
  if (col.type === 'string') {
    if (stop > start) return text.slice(start, stop);
  } else if ((col.type === 'int' || col.type === 'long') && stop > start && stop - start < 16) {
    let i = start;
    const neg = text.charCodeAt(i) === 45;
    if (neg || text.charCodeAt(i) === 43) i++;
    let n = 0;
    let digits = 0;
    for (; i < stop; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      digits++;
    }
    if (i === stop && digits > 0 && (col.type === 'long' || n < 2 ** 31 || (neg && n === 2 ** 31))) return neg ? -n : n;
  }
  return convertText(col, text.slice(start, stop));
}

/** A record's sequence number as rows show it: `<sequence>:<sub-sequence>` for records from a KPL aggregate. */
function sequenceOf(rec: SourceRecord): string {
  return rec.subSequenceNumber === undefined ? rec.sequenceNumber : `${rec.sequenceNumber}:${rec.subSequenceNumber}`;
}

function hexPrefix(data: Uint8Array): string {
  return `0x${Buffer.from(data.subarray(0, 8)).toString('hex')}${data.byteLength > 8 ? '...' : ''}`;
}
