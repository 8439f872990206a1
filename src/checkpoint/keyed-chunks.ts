import { gunzipSync, gzipSync } from 'node:zlib';
import { SluiceError } from '../errors.js';

/** DynamoDB items hold at most 400 KB; state is written in chunks below that. */
export const STATE_CHUNK_BYTES = 300_000;
/** Keys are serialized one at a time and gzipped in blocks of about this many characters. */
const BLOCK_CHARS = 256 * 1024;

/** One key's state of one holder: what a partitioned holder snapshots and restores. */
export type KeyedEntry = readonly [holder: string, key: string, state: unknown];

/**
 * Streams keyed entries into chunks under DynamoDB's item limit: each entry is serialized on its
 * own (one JSON line), lines are gzipped in blocks of about 256 K characters (a key larger than
 * that is a block of its own), and each block is framed by its length and cut across chunks. No
 * string ever holds more than one block, so state size is bounded by memory, not by V8's string limit.
 */
export function* encodeKeyedChunks(entries: Iterable<KeyedEntry>, chunkBytes = STATE_CHUNK_BYTES): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  function* put(bytes: Uint8Array): Generator<Buffer> {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, chunkBytes - used);
      chunk.set(bytes.subarray(off, off + n), used);
      used += n;
      off += n;
      if (used === chunkBytes) {
        yield chunk;
        chunk = Buffer.allocUnsafe(chunkBytes);
        used = 0;
      }
    }
  }
  function* frame(lines: string[]): Generator<Buffer> {
    const gz = gzipSync(Buffer.from(lines.join('\n'), 'utf8'));
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(gz.length, 0);
    yield* put(len);
    yield* put(gz);
  }
  let lines: string[] = [];
  let chars = 0;
  for (const e of entries) {
    const line = JSON.stringify(e);
    if (chars > 0 && chars + line.length > BLOCK_CHARS) {
      yield* frame(lines);
      lines = [];
      chars = 0;
    }
    lines.push(line);
    chars += line.length + 1;
  }
  if (lines.length > 0) yield* frame(lines);
  if (used > 0) yield chunk.subarray(0, used);
}

/** Reads back what {@link encodeKeyedChunks} wrote, one entry at a time. `where` names the state in errors. */
export function* decodeKeyedChunks(chunks: readonly Uint8Array[], where: string): Generator<KeyedEntry> {
  let ci = 0;
  let off = 0;
  const take = (n: number): Buffer | undefined => {
    const parts: Uint8Array[] = [];
    let need = n;
    while (need > 0) {
      const c = chunks[ci];
      if (!c) return undefined;
      const k = Math.min(need, c.length - off);
      parts.push(c.subarray(off, off + k));
      off += k;
      need -= k;
      if (off === c.length) {
        ci++;
        off = 0;
      }
    }
    return parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts);
  };
  const torn = (why: string) => new SluiceError(`state ${where} is torn: ${why}; the table was changed by hand or by another tool`, { domain: 'external', code: 'TornState' });
  while (ci < chunks.length && !(ci === chunks.length - 1 && off === chunks[ci]!.length)) {
    const len = take(4);
    if (!len) throw torn('a block header is cut short');
    const gz = take(len.readUInt32BE(0));
    if (!gz) throw torn('a block is cut short');
    for (const line of gunzipSync(gz).toString('utf8').split('\n')) {
      const e = JSON.parse(line) as unknown;
      if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw torn('an entry is not [holder, key, state]');
      yield e as unknown as KeyedEntry;
    }
  }
}

/**
 * Keys of a shard are kept in this many buckets (by a hash of the key); a snapshot rewrites only
 * the buckets with a key that changed since the last one, the others stay as they are (incremental).
 * 256 rather than 64: at 10,000 keys a batch touching one key per shard rewrites about 10 keys
 * per shard instead of 40 (bench/snapshot.bench.ts). Part of the stored format: a key's bucket
 * must not change while its state is stored, so changing this needs a migration.
 */
export const STATE_BUCKETS = 256;

/** The bucket of a key: FNV-1a of its UTF-16 code units, modulo {@link STATE_BUCKETS}. */
export function bucketOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % STATE_BUCKETS;
}
