import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream, listShards } from '../../src/aws/admin.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { sluiceCli } from '../helpers/cli.js';

const env = useLocalStack();
const bin = sluiceCli();
const sluice = (...args: string[]) =>
  spawnSync(process.execPath, [bin, 'produce', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLUICE_KINESIS_ENDPOINT: '', SLUICE_DYNAMODB_ENDPOINT: '', TZ: 'UTC' } });
const dir = mkdtempSync(join(tmpdir(), 'sluice-produce-'));
/** Each test spawns the CLI (tsx start-up) one to four times: generous on a loaded 2-core box. */
const SPAWNS = 300_000;

describe('sluice produce', () => {
  it('--dry-run -n 5 prints five KDG-framed records of the seed template, with no stream', () => {
    const r = sluice('--dry-run', '-n', '5', '--seed', '3');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toBe('');
    for (const l of lines.slice(0, 5)) expect(l).toMatch(/^[\p{L}' -]+,\d+,(OK|FAIL|WARN)$/u);
  }, SPAWNS);

  it('--dry-run renders a multi-line template as one line per record; --keep-newlines keeps the text', () => {
    const file = join(dir, 'sensor.tpl');
    writeFileSync(file, '{\n  "id": {{random.number(50)}},\n  "at": "{{date.now("dddd, MMMM Do YYYY, h:mm:ss a")}}"\n}\n');
    const r = sluice('--dry-run', '-n', '3', '--template-file', file, '--start', '2010-02-14T15:25:50Z', '--end', '2010-02-14T16:00:00Z', '--rate', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3).map((l) => (JSON.parse(l) as { at: string }).at)).toEqual([
      'Sunday, February 14th 2010, 3:25:50 pm',
      'Sunday, February 14th 2010, 3:25:51 pm',
      'Sunday, February 14th 2010, 3:25:52 pm',
    ]);
    const raw = sluice('--dry-run', '-n', '1', '--template-file', file, '--keep-newlines');
    expect(raw.stdout).toMatch(/^\{\n {2}"id": \d+,\n {2}"at": "[^"]+"\n\}\n$/);
  }, SPAWNS);

  it('draws from several templates by --weights, and names the template of a bad placeholder (exit 2)', () => {
    const two = join(dir, 'two.tpl');
    writeFileSync(two, 'A\n---\nB\n');
    const r = sluice('--dry-run', '-n', '400', '--template-file', two, '--template', 'C', '--weights', '2,1,1', '--seed', '1');
    expect(r.status, r.stderr).toBe(0);
    const counts = { A: 0, B: 0, C: 0 } as Record<string, number>;
    for (const l of r.stdout.trim().split('\n')) counts[l]! += 1;
    expect(counts.A! + counts.B! + counts.C!).toBe(400);
    expect(counts.C).toBeGreaterThan(160);
    expect(counts.C).toBeLessThan(240);

    const bad = join(dir, 'bad.tpl');
    writeFileSync(bad, '{{random.uuid}}\n---\n{"a": 1,\n "b": {{date.nw("L")}}}\n');
    const e = sluice('--dry-run', '--template-file', bad);
    expect(e.status).toBe(2);
    expect(e.stderr).toContain(`Invalid template ${bad} #2 (from line 3) at line 2, column 7: placeholder "{{date.nw(\\"L\\")}}": unknown function "date.nw". Fix: did you mean date.now`);
    const w = sluice('--dry-run', '--template', 'x', '--weights', '1,2');
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/Invalid --weights: "1,2"\. Fix: give 1 positive numbers/);
    const s = sluice('--stream', 'x', '--start', '2024-01-01');
    expect(s.stderr).toMatch(/Invalid --end: .*Fix: give both --start and --end/);
  }, SPAWNS);

  it('backfills simulated time into the embedded Kinesis on a schedule and prints a summary', async () => {
    const stream = uniqueName('produce-sim');
    await ensureStream(env.clients.kinesis, stream, 1);
    const r = sluice('--stream', stream, '--endpoint-url', env.stack.kinesisEndpoint, '--template', '{{date.utc("YYYY-MM-DDTHH:mm:ss")}}', '--rate', '2:30s,0..10:30s', '--start', '2024-01-01T00:00:00Z', '--end', '2024-01-01T01:00:00Z');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { generated: number; sent: number; failed: number; simulatedTime: number };
    expect(summary).toMatchObject({ generated: 60 + 150, sent: 210, failed: 0, simulatedTime: Date.UTC(2024, 0, 1, 0, 1) }); // the schedule ends the simulation
    const shard = (await listShards(env.clients.kinesis, stream))[0]!;
    const it = await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    const times = (got.Records ?? []).map((x) => new TextDecoder().decode(x.Data).trim());
    expect(times).toHaveLength(210);
    expect(times[0]).toBe('2024-01-01T00:00:00');
    expect(times.every((t) => t >= '2024-01-01T00:00:00' && t < '2024-01-01T00:01:00')).toBe(true);
  }, SPAWNS);
});
