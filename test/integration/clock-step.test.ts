import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice } from '../helpers/sluice-process.js';

const env = useLocalStack();

describe('a wall clock stepped back under a running worker', () => {
  it('keeps processing: batches are scheduled on a monotonic clock, not on the wall clock', async () => {
    // A sliding window, so both the batch loop and the window's panes would notice a step back.
    const { names, config } = seedPipeline({ batchInterval: 200, window: { kind: 'sliding', length: '1s' }, lease: { failover: '3s' } });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-clock-'));
    const file = join(dir, 'pipeline.json');
    const clockFile = join(dir, 'clock-offset');
    writeFileSync(file, JSON.stringify(config));
    writeFileSync(clockFile, '0');
    await ensureStream(env.clients.kinesis, names.stream, 4);

    const records = seedRecords(800);
    const worker = startSluice(env.stack, file, { workerId: 'w-clock', env: { SLUICE_TEST_CLOCK_FILE: clockFile } });
    try {
      await putAll(env.clients.kinesis, names.stream, records.slice(0, 400).map(encode));
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 400, 60_000, `the first 400 rows; worker said: ${worker.out()}`);
      // The worker's wall clock steps back one hour (its monotonic clock does not move).
      writeFileSync(clockFile, String(-3_600_000));
      await new Promise((r) => setTimeout(r, 500));
      await putAll(env.clients.kinesis, names.stream, records.slice(400).map(encode));
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 800, 30_000, `all 800 rows after the step; worker said: ${worker.out()}`);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(dump.map((d) => `${d.id},${d.currentTemp},${d.status}`).sort()).toEqual(records.map((r) => r.text as string).sort());
  }, 120_000);
});
