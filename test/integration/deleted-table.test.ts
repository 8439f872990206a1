import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteTable, ensureStream } from '../../src/aws/admin.js';
import { countItems, putAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { startSluice } from '../helpers/sluice-process.js';

const env = useLocalStack();

describe('an output table deleted under a running worker', () => {
  it('exits 1 (an external failure) naming the table; a restart warns that the recreated table lost the rows before the checkpoint', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    const dir = mkdtempSync(join(tmpdir(), 'sluice-deleted-'));
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify(config));
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const records = seedRecords(400);

    const first = startSluice(env.stack, file, { workerId: 'w-del' });
    await putAll(env.clients.kinesis, names.stream, records.slice(0, 200).map(encode));
    await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) >= 200, 60_000, `the first rows; worker said: ${first.out()}`);
    await deleteTable(env.clients.dynamodb, names.dump);
    await putAll(env.clients.kinesis, names.stream, records.slice(200).map(encode));
    const [code] = await first.exited;
    expect(code, first.out()).toBe(1);
    expect(first.out()).toMatch(new RegExp(`output table ${names.dump} no longer exists`));

    const second = startSluice(env.stack, file, { workerId: 'w-del' });
    try {
      await waitFor(() => /warning: output table/.test(second.out()), 60_000, `the warning; worker said: ${second.out()}`);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(second.out()).toMatch(new RegExp(`output table ${names.dump} did not exist and was created empty.*--starting-position trim_horizon`));
  }, 120_000);
});
