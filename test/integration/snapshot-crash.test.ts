import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { CRASH_POINTS } from '../../src/checkpoint/crash-points.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.js');
const N = 900;

/** A keyed RCF detector pipeline: state that changes with every record, checkpointed in snapshots. */
function pipeline(stream: string, id: string): PipelineConfigInput {
  return {
    app: `snap-${id}`,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 30 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }] },
    batchInterval: 150,
    maxRecordsPerBatch: 30,
    stateInterval: 1500,
    operators: [{ kind: 'anomaly', detector: 'rcf', params: { numberOfTrees: 8, sampleSize: 32 }, value: 'currentTemp', key: 'id' }],
    outputs: [{ name: 'scores', sql: 'SELECT id, currentTemp, anomaly_score, _shard, _seq FROM events', sink: { kind: 'dynamodb', table: `scores-${id}` } }],
    lease: { failover: '2s' },
  };
}

async function runToEnd(file: string, table: string, crashAt?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const child = spawn(process.execPath, [bin, 'run', file, '--endpoint-url', env.stack.kinesisEndpoint, '--dynamodb-endpoint-url', env.stack.dynamodbEndpoint, '--no-status', '--worker-id', 'w1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(crashAt ? { SLUICE_CRASH_AT: crashAt } : {}) },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  if (crashAt) {
    const [code, signal] = await exited;
    return { code, signal, out };
  }
  await waitFor(async () => (await countItems(env.clients.dynamodb, table)) >= N, 90_000, `every record scored; the worker said: ${out}`);
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  return { code, signal, out };
}

describe('snapshots: operator state exactly consistent with every checkpoint', () => {
  it('a process killed at every step of a snapshot restarts from a whole snapshot and scores bit-identically to an uninterrupted run', async () => {
    const stream = `ks-${uniqueName('snap')}`;
    await ensureStream(env.clients.kinesis, stream, 1);
    // Four sensors, each with a slow wave and a few spikes: the detectors' scores depend on all they learned.
    const lines = Array.from({ length: N }, (_, i) => `s${i % 4},${Math.round(100 + 40 * Math.sin(i / 25) + (i % 97 === 0 ? 300 : 0))}`);
    await putAll(env.clients.kinesis, stream, lines.map((l) => Buffer.from(l)));
    const dir = mkdtempSync(join(tmpdir(), 'sluice-snap-'));

    const scores = async (table: string) => new Map((await scanAll(env.clients.dynamodb, table)).map((r) => [String(r._seq), r.anomaly_score as number]));

    const refId = uniqueName('ref');
    const refFile = join(dir, 'ref.json');
    writeFileSync(refFile, JSON.stringify(pipeline(stream, refId)));
    await runToEnd(refFile, `scores-${refId}`);
    const reference = await scores(`scores-${refId}`);
    expect(reference.size).toBe(N);

    for (const point of CRASH_POINTS) {
      const id = uniqueName(point.replace('snapshot-', ''));
      const file = join(dir, `${id}.json`);
      writeFileSync(file, JSON.stringify(pipeline(stream, id)));
      // Killed at the second snapshot's step, so a first snapshot exists before it.
      const crashed = await runToEnd(file, `scores-${id}`, `${point}@2`);
      expect(crashed.signal, `${point}: ${crashed.out}`).toBe('SIGKILL');
      const before = await countItems(env.clients.dynamodb, `scores-${id}`);
      expect(before, point).toBeLessThan(N);
      const resumed = await runToEnd(file, `scores-${id}`);
      expect(resumed.out, point).not.toMatch(/TornState|Error/);
      const got = await scores(`scores-${id}`);
      expect(got.size, point).toBe(N);
      const differing = [...reference].filter(([seq, s]) => got.get(seq) !== s);
      expect(differing.length, `${point}: scores differing from the uninterrupted run, first ${JSON.stringify(differing.slice(0, 3))}`).toBe(0);
    }
  }, 400_000);
});
