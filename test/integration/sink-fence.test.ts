import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ColumnBatch } from '../../src/core/batch.js';
import { DynamoDbSink } from '../../src/sinks/dynamodb/sink.js';
import { scanAll } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

/**
 * The sink fence at send time (SinkWriteContext.holds): a worker that loses a shard's lease in the
 * middle of a write (frozen by SIGSTOP, or slow) sends none of that shard's rows after that, also
 * not in the SDK's own retry of a request it had started. The moment the lease is lost is chosen
 * here by a middleware on the real client, so each case is exact; the integration test with a
 * frozen process is test/integration/zombie-fence.test.ts.
 */
const env = useLocalStack();

/** 75 rows, ids r0..r74, alternating between shards p0 and p1: three BatchWriteItem requests of 25. */
const rows = Array.from({ length: 75 }, (_, i) => ({ id: `r${i}`, _shard: i % 2 === 0 ? 'p0' : 'p1', v: i }));
const batch = ColumnBatch.fromRows(
  [
    { name: 'id', type: 'string' },
    { name: '_shard', type: 'string' },
    { name: 'v', type: 'int' },
  ],
  rows,
);

function sink(db: DynamoDBClient, table: string): DynamoDbSink {
  return new DynamoDbSink(db, { kind: 'dynamodb', table, keyAttribute: 'pk', keyColumns: ['id'], dedupe: false, dedupeRetentionMs: 60_000, concurrency: 1, createTable: true });
}

/** Counts BatchWriteItem calls (each attempt) on `db` and calls `at(n)` before the n-th is sent on. */
function onAttempt(db: DynamoDBClient, at: (n: number) => void): void {
  let n = 0;
  type Handler = (args: unknown) => Promise<unknown>;
  const stack = db.middlewareStack as unknown as {
    addRelativeTo(mw: (next: Handler, context: { commandName?: string }) => Handler, options: { relation: 'after'; toMiddleware: string; name: string }): void;
  };
  stack.addRelativeTo(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchWriteItemCommand') at(++n);
      return next(args);
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'testLeaseLoss' },
  );
}

const written = async (table: string) => new Set((await scanAll(env.clients.dynamodb, table)).map((i) => String(i.id)));

describe('the dynamodb sink asks the fence right before each request', () => {
  it('a lease lost between two requests of one write: the later requests leave that shard\'s rows out', async () => {
    const table = uniqueName('fence-chunks');
    const clients = createAwsClients(env.stack.connection);
    let lost = false;
    // The first request goes out while p1 is held; then p1's lease is gone.
    onAttempt(clients.dynamodb, (n) => {
      if (n === 2) lost = true;
    });
    const s = sink(clients.dynamodb, table);
    await s.init();
    const r = await s.write(batch, { batchTime: new Date(), emitsOnce: true, retentionMs: 0, holds: (k) => !lost || rows[k]!._shard !== 'p1' });
    clients.close();
    // Request 1 (rows r0..r24) went out whole; requests 2 and 3 (r25..r74) without p1's rows.
    const expected = rows.filter((row, k) => k < 25 || row._shard === 'p0').map((row) => row.id);
    expect([...(await written(table))].sort()).toEqual(expected.sort());
    expect(r.fenced).toBe(25);
    expect(r.written).toBe(50);
  });

  it('a lease lost while the SDK waits to retry a request: the retry is sent without that shard\'s rows', async () => {
    const table = uniqueName('fence-retry');
    const clients = createAwsClients(env.stack.connection);
    let lost = false;
    // The first attempt of the second request fails as a reset connection would (the SDK retries
    // it after a backoff); p1's lease is lost in between.
    onAttempt(clients.dynamodb, (n) => {
      if (n === 2) {
        lost = true;
        throw Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET' });
      }
    });
    const s = sink(clients.dynamodb, table);
    await s.init();
    const r = await s.write(batch, { batchTime: new Date(), emitsOnce: true, retentionMs: 0, holds: (k) => !lost || rows[k]!._shard !== 'p1' });
    clients.close();
    const got = await written(table);
    const leaked = rows.filter((row, k) => k >= 25 && row._shard === 'p1' && got.has(row.id)).map((row) => row.id);
    expect(leaked, 'rows of the lost shard sent by the retry').toEqual([]);
    expect(got.size).toBe(50);
    expect(r.fenced).toBe(25);
  });

  it('without a fence every row is written (a worker without leases)', async () => {
    const table = uniqueName('fence-none');
    const s = sink(env.clients.dynamodb, table);
    await s.init();
    const r = await s.write(batch, { batchTime: new Date(), emitsOnce: true, retentionMs: 0 });
    expect((await written(table)).size).toBe(75);
    expect(r.fenced ?? 0).toBe(0);
  });
});
