import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

const env = useLocalStack();
const SENSORS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sensors send rising versions; the table keeps one item per sensor (`keyColumns: [id]`): the last write wins. */
function pipeline(app: string, stream: string, table: string): PipelineConfigInput {
  return {
    app,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'version', type: 'int' }] },
    batchInterval: 1000,
    outputs: [{ name: 'latest', sql: 'SELECT id, version FROM events', sink: { kind: 'dynamodb', table, keyColumns: ['id'] } }],
    lease: { failover: '3s' },
  };
}

async function owners(app: string): Promise<Map<string, string>> {
  const items = await scanAll(env.clients.dynamodb, app).catch(() => []);
  return new Map(items.filter((i) => String(i.leaseKey).startsWith('shardId-')).map((i) => [String(i.leaseKey), String(i.leaseOwner ?? '')]));
}

const count = (m: Map<string, string>, w: string) => [...m.values()].filter((o) => o === w).length;

describe('a worker frozen past failover (SIGSTOP) and resumed', () => {
  it('never overwrites the new owner\'s rows with its stale batch: every sensor ends with its newest version', async () => {
    const stream = `ks-${uniqueName('zombie')}`;
    const app = `app-${uniqueName('zombie')}`;
    const table = `latest-${uniqueName('zombie')}`;
    await ensureStream(env.clients.kinesis, stream, 4);
    const dir = mkdtempSync(join(tmpdir(), 'sluice-zombie-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(pipeline(app, stream, table)));

    let version = 0;
    let producing = true;
    const produce = (async () => {
      while (producing) {
        version++;
        const Records = Array.from({ length: SENSORS }, (_, i) => ({ Data: Buffer.from(`s${i},${version}`), PartitionKey: `s${i}` }));
        const r = await env.clients.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
        if (r.FailedRecordCount) throw new Error(`${r.FailedRecordCount} records failed`);
        await sleep(50);
      }
    })();

    const workers: SluiceProcess[] = [];
    const say = () => workers.map((w, i) => `worker ${i} said: ${w.out()}`).join('\n');
    try {
      const a = startSluice(env.stack, file, { workerId: 'wa' });
      workers.push(a);
      await waitFor(async () => count(await owners(app), 'wa') === 4, 60_000, `A holds the 4 shards; ${say()}`);
      const b = startSluice(env.stack, file, { workerId: 'wb' });
      workers.push(b);
      await waitFor(async () => count(await owners(app), 'wb') === 2, 60_000, `B takes 2 shards; ${say()}`);
      await sleep(1500);
      // A freezes with a batch's worth of records in hand; B takes A's shards after failover.
      a.child.kill('SIGSTOP');
      await waitFor(async () => count(await owners(app), 'wb') === 4, 60_000, `B takes A's shards; ${say()}`);
      await sleep(1500);
      producing = false;
      await produce;
      const newest = version;
      await waitFor(
        async () => {
          const items = await scanAll(env.clients.dynamodb, table);
          return items.length === SENSORS && items.every((i) => i.version === newest);
        },
        60_000,
        `B writes every sensor's newest version ${newest}; ${say()}`,
      );
      // A resumes: its batch in hand holds older versions of shards it no longer holds.
      a.child.kill('SIGCONT');
      await sleep(6000);
      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) await w.exited;

      const items = await scanAll(env.clients.dynamodb, table);
      const stale = items.filter((i) => i.version !== newest).map((i) => `${String(i.id)}=${String(i.version)}`);
      expect(stale, `sensors left with an older version than ${newest}; ${say()}`).toEqual([]);
      expect(items).toHaveLength(SENSORS);
    } finally {
      producing = false;
      await produce.catch(() => undefined);
      for (const w of workers) {
        if (w.child.exitCode === null && w.child.signalCode === null) {
          w.child.kill('SIGCONT');
          w.child.kill('SIGKILL');
        }
      }
    }
  }, 240_000);
});
