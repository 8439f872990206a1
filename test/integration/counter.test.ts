import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ensureStream } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { injectFault } from '../helpers/faults.js';

const env = useLocalStack();

/** Seed 004 (Snowplow): JSON events counted per minute bucket and type. */
function snowplowPipeline(id: string): PipelineConfigInput {
  return {
    app: `app-${id}`,
    source: { stream: `ks-${id}`, startingPosition: 'trim_horizon', pollInterval: 50 },
    format: {
      kind: 'json',
      columns: [
        { name: 'timestamp', type: 'timestamp' },
        { name: 'type', type: 'string' },
        { name: 'id', type: 'string' },
      ],
    },
    batchInterval: 200,
    // A sliding window re-emits every record in ten batches: the counter must still count it once.
    window: { kind: 'sliding', length: '2s' },
    outputs: [
      {
        name: 'counts',
        sql: "SELECT strftime(timestamp, '%Y-%m-%dT%H:%M') AS bucket, type, _shard, _seq FROM events",
        sink: { kind: 'dynamodb-counter', table: `counts-${id}`, keyColumns: ['bucket', 'type'] },
      },
    ],
    deadLetter: { table: `dead-${id}` },
    lease: { failover: '1s' },
  };
}

function events(n: number, offset = 0) {
  const types = ['Green', 'Red', 'Yellow'];
  const expected = new Map<string, number>();
  const records = Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const minute = 50 + (i % 3);
    const type = types[(i * 7) % 3]!;
    const key = `2015-06-05T12:${minute}#${type}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
    return Buffer.from(JSON.stringify({ timestamp: `2015-06-05T12:${minute}:43.064Z`, type, id: `e${i}` }));
  });
  return { records, expected };
}

describe('dynamodb-counter sink (seed 004, done right)', () => {
  it('counts each event exactly once per minute and type, through a window and a crash before the checkpoint', async () => {
    const id = uniqueName('snow');
    const config = parsePipelineConfig(snowplowPipeline(id));
    await ensureStream(env.clients.kinesis, config.source.stream, 2);
    const first = events(600);
    const second = events(300, 600);

    // Fault injection: once armed, checkpoint writes fail for good, as if the worker died right
    // after its sinks wrote: the counts hold records the checkpoint does not.
    const faulty = createAwsClients(env.stack.connection);
    let armed = false;
    injectFault(
      faulty.dynamodb,
      (command, input) => armed && command === 'UpdateItemCommand' && input.TableName === config.app && String(input.UpdateExpression).includes('checkpoint'),
      { name: 'AccessDeniedException', message: 'injected: worker died before checkpointing' },
    );
    const a = new StreamingQuery({ config, clients: faulty, workerId: 'a' });
    await a.start();
    await putAll(env.clients.kinesis, config.source.stream, first.records);
    await waitFor(() => a.totals.records >= 600, 20_000, 'first 600 counted');
    armed = true;
    await putAll(env.clients.kinesis, config.source.stream, second.records);
    await expect(a.awaitTermination()).rejects.toThrow(/injected/);
    await a.stop().catch(() => undefined);
    faulty.close();

    // A new worker replays from the last checkpoint: records already counted must not count again.
    const b = new StreamingQuery({ config, clients: env.clients, workerId: 'b' });
    await b.start();
    try {
      await waitFor(() => b.totals.records >= 300, 30_000, 'replay read');
      await new Promise((r) => setTimeout(r, 2_500)); // let the window slide past every replayed record
    } finally {
      await b.stop();
    }
    expect(b.totals.records).toBeGreaterThanOrEqual(300); // it really re-read records

    const expected = new Map(first.expected);
    for (const [k, v] of second.expected) expected.set(k, (expected.get(k) ?? 0) + v);
    const items = await scanAll(env.clients.dynamodb, `counts-${id}`);
    const got = new Map(items.map((i) => [String(i.bucket_key), i.count as number]));
    expect(got).toEqual(expected);
    expect([...got.values()].reduce((x, y) => x + y, 0)).toBe(900);
    for (const i of items) expect(Object.keys(i.shards as object).every((s) => s.startsWith('shardId-'))).toBe(true);
  }, 90_000);
});
