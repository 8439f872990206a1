import { describe, expect, it } from 'vitest';
import { attachJsonLog } from '../../src/dashboard/json-log.js';
import { EngineEventBus } from '../../src/engine/events.js';
import { SluiceError } from '../../src/errors.js';

describe('--log-format json', () => {
  it('writes one JSON object per engine event, per line, without the rows of output.rows', () => {
    const bus = new EngineEventBus();
    const lines: string[] = [];
    const off = attachJsonLog(bus, (l) => lines.push(l), () => new Date('2026-01-01T00:00:00Z'));
    bus.emit('batch.end', { batchId: 3, batchTime: new Date('2026-01-01T00:00:00Z'), records: 10, rows: 9, deadLetters: 1, late: 0, fired: true, outputs: { dump: 9 }, durationMs: 12.5, backlog: 0, catchingUp: false, byShard: { 'shard-0': { records: 10, bytes: 120 } } });
    bus.emit('output.rows', { output: 'dump', batchId: 3, rows: [{ a: 1 }, { a: 2 }], columns: ['a'], total: 2 });
    bus.emit('consumer.error', { error: new SluiceError('GetRecords failed', { domain: 'external', code: 'Throttled', retriable: true }) });
    off();
    bus.emit('pipeline.stop', { reason: 'after off' });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { ts: '2026-01-01T00:00:00.000Z', event: 'batch.end', batchId: 3, batchTime: '2026-01-01T00:00:00.000Z', records: 10, rows: 9, deadLetters: 1, late: 0, fired: true, outputs: { dump: 9 }, durationMs: 12.5, backlog: 0, catchingUp: false, byShard: { 'shard-0': { records: 10, bytes: 120 } } },
      { ts: '2026-01-01T00:00:00.000Z', event: 'output.rows', output: 'dump', batchId: 3, rowCount: 2, columns: ['a'] },
      { ts: '2026-01-01T00:00:00.000Z', event: 'consumer.error', error: { name: 'SluiceError', message: 'GetRecords failed', code: 'Throttled' } },
    ]);
  });
});
