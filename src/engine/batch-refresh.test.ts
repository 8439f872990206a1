import { afterEach, describe, expect, it } from 'vitest';
import { CaptureSink } from '../../test/helpers/capture-sink.js';
import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import { parsePipelineConfig } from '../pipeline/validate.js';
import { MemorySource } from '../sources/memory.js';
import { StreamingQuery } from './streaming-query.js';

/** A memory source whose `refresh` stands for the shard reads a batch start triggers: it delivers what "arrived". */
class ArrivingSource extends MemorySource {
  readonly refreshes: number[] = [];
  arriving: string[] = [];
  async refresh(budgetMs: number): Promise<void> {
    this.refreshes.push(budgetMs);
    await new Promise((r) => setTimeout(r, 5));
    if (this.arriving.length > 0) this.push('p0', this.arriving.splice(0).map((l) => Buffer.from(l)), T0);
  }
}

const T0 = Date.parse('2026-12-01T00:00:00Z');
const queries: StreamingQuery[] = [];
afterEach(async () => {
  for (const q of queries.splice(0)) await q.stop().catch(() => undefined);
});

function start(source: MemorySource, maxRecordsPerBatch = 100) {
  const config = parsePipelineConfig({
    app: 'unit-refresh',
    source: { stream: 'unit' },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int' }] },
    batchInterval: '1s',
    maxRecordsPerBatch,
    outputs: [{ name: 'all', sql: 'SELECT id FROM events', sink: { kind: 'console' } }],
  });
  const sink = new CaptureSink('all');
  const query = new StreamingQuery({ config, source, sinks: { all: sink }, checkpointStore: new MemoryCheckpointStore(), deadLetters: { write: async (l) => l.length }, clock: 'manual' });
  queries.push(query);
  return { query, sink };
}

describe('a batch reads the source as it starts', () => {
  it('takes what the refresh delivered, in the same batch', async () => {
    const source = new ArrivingSource(['p0']);
    const { query, sink } = start(source);
    await query.start();
    source.arriving = ['a,1', 'b,2'];
    await query.step(new Date(T0));
    expect(sink.rows.map((r) => r.id)).toEqual(['a', 'b']);
    // The budget is half the batch interval (1 s here), at least 50 ms.
    expect(source.refreshes).toEqual([500]);
  });

  it('does not wait for reads when a full batch is buffered already, nor in the final batch of a stop', async () => {
    const source = new ArrivingSource(['p0']);
    const { query, sink } = start(source, 2);
    await query.start();
    source.push('p0', [Buffer.from('a,1'), Buffer.from('b,2'), Buffer.from('c,3')], T0);
    await query.step(new Date(T0));
    expect(source.refreshes).toEqual([]);
    await query.step(new Date(T0 + 1000));
    expect(source.refreshes).toEqual([500]);
    const before = source.refreshes.length;
    await query.stop();
    expect(source.refreshes.length).toBe(before);
    expect(sink.rows.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
