import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ensureStream } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { injectFault } from '../helpers/faults.js';

const env = useLocalStack();

describe('workers sharing shards through DynamoDB leases', () => {
  it('splits 4 shards 2/2 between two workers, writes every record once, and hands shards over on a clean stop', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' }, lease: { failover: '1500ms' } });
    await ensureStream(env.clients.kinesis, names.stream, 4);
    const parsed = parsePipelineConfig(config);
    const a = new StreamingQuery({ config: parsed, clients: env.clients, workerId: 'worker-a' });
    const b = new StreamingQuery({ config: parsed, clients: env.clients, workerId: 'worker-b' });
    await a.start();
    try {
      await waitFor(() => a.ownedShards().length === 4, 10_000, 'worker a to hold all 4 shards');
      await b.start();
      try {
        await waitFor(() => a.ownedShards().length === 2 && b.ownedShards().length === 2, 20_000, 'an even 2/2 split');
        expect(new Set([...a.ownedShards(), ...b.ownedShards()]).size).toBe(4);

        // Rows a sink drops right before sending (a lease in doubt under load) are read again, not lost.
        let fencedRows = 0;
        for (const q of [a, b]) q.events.on('sink.fenced', (e) => (fencedRows += e.rows));
        await putAll(env.clients.kinesis, names.stream, seedRecords(800).map(encode));
        await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 800, 30_000, '800 rows');
        await waitFor(() => a.totals.records + b.totals.records >= 800, 10_000, 'both workers to finish their batches');
        await new Promise((r) => setTimeout(r, 500));
        expect(a.totals.records).toBeGreaterThan(0);
        expect(b.totals.records).toBeGreaterThan(0);
        // Disjoint shards: no record read twice, but for those a sink dropped at send time.
        if (fencedRows === 0) expect(a.totals.records + b.totals.records).toBe(800);
        else expect(a.totals.records + b.totals.records).toBeGreaterThan(800);
      } finally {
        await b.stop();
      }
      // b released its leases: a takes them without waiting for the failover time.
      await waitFor(() => a.ownedShards().length === 4, 10_000, 'worker a to take the released shards');
      await putAll(env.clients.kinesis, names.stream, seedRecords(400, 800).map(encode));
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 1200, 30_000, '1200 rows');
    } finally {
      await a.stop();
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(new Set(dump.map((d) => d.record_id)).size).toBe(1200);
  });

  it('takes over the shards of a worker that stopped renewing, after the failover time', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' }, lease: { failover: '1500ms' } });
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const parsed = parsePipelineConfig(config);
    // Fault injection: worker c's DynamoDB calls start failing (as a partitioned or frozen worker's would).
    const cClients = createAwsClients(env.stack.connection);
    let partitioned = false;
    injectFault(cClients.dynamodb, () => partitioned, { name: 'ECONNRESET', message: 'injected: network partition' });
    const c = new StreamingQuery({ config: parsed, clients: cClients, workerId: 'worker-c' });
    await c.start();
    await waitFor(() => c.ownedShards().length === 2, 10_000, 'worker c to hold both shards');
    const d = new StreamingQuery({ config: parsed, clients: env.clients, workerId: 'worker-d' });
    await d.start();
    try {
      await waitFor(() => d.ownedShards().length === 1, 10_000, 'worker d to steal one shard');
      partitioned = true;
      const t0 = performance.now();
      await waitFor(() => d.ownedShards().length === 2, 15_000, 'worker d to take over the silent worker');
      // A lower bound only (not before the failover time): load can only make it later.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
      await putAll(env.clients.kinesis, names.stream, seedRecords(300).map(encode));
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 300, 30_000, '300 rows');
      // The silent worker fenced itself: it stops reading once it could not renew for a failover time.
      await waitFor(() => c.readingShards().length === 0, 10_000, 'the partitioned worker to stop reading');
    } finally {
      partitioned = false;
      await d.stop();
      await c.stop().catch(() => undefined);
      cClients.close();
    }
  });
});
