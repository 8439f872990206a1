import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { createMlSession } from '../../src/ml/session.js';
import { VectorAssembler } from '../../src/ml/vector-assembler.js';
import { LinearRegression } from '../../src/ml/linear-regression.js';
import { createOperators } from '../../src/pipeline/operators.js';
import { loadPipelineFile } from '../../src/pipeline/validate.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

describe('operators named in a pipeline file', () => {
  it('scores each record with a saved regression model and a keyed detector, and SQL routes the outliers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-ops-'));
    // Train y = 2x + 1 on clean data and save the model.
    const spark = await createMlSession();
    try {
      const rows = Array.from({ length: 50 }, (_, i) => ({ x: i, y: 2 * i + 1 }));
      const df = await spark.createDataFrame(rows, [
        { name: 'x', type: 'double' },
        { name: 'y', type: 'double' },
      ]);
      const data = await new VectorAssembler({ inputCols: ['x'], outputCol: 'features' }).transform(df);
      const model = await new LinearRegression({ labelCol: 'y' }).fit(data);
      await model.save(join(dir, 'model.json'));
    } finally {
      spark.close();
    }

    const id = uniqueName('ops');
    const stream = `ks-${id}`;
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(
      file,
      [
        `app: app-${id}`,
        `source: { stream: ${stream}, startingPosition: trim_horizon, pollInterval: 50 }`,
        'format: { kind: json, columns: [{ name: sensor, type: string }, { name: x, type: double }, { name: y, type: double }] }',
        'batchInterval: 200ms',
        'operators:',
        `  - { kind: linreg-score, model: ${join(dir, 'model.json')}, featureCols: [x], labelCol: y, residualThreshold: 10 }`,
        '  - { kind: anomaly, detector: ewma, value: y, key: sensor }',
        'outputs:',
        `  - { name: all, sql: SELECT * FROM events, sink: { kind: dynamodb, table: all-${id} } }`,
        `  - { name: outliers, sql: SELECT * FROM events WHERE is_anomaly, sink: { kind: dynamodb, table: out-${id} } }`,
        `deadLetter: { table: dead-${id} }`,
      ].join('\n'),
    );
    const config = loadPipelineFile(file);
    await ensureStream(env.clients.kinesis, stream, 1);
    const query = new StreamingQuery({ config, clients: env.clients, operators: await createOperators(config.operators) });
    await query.start();
    const outliers = new Set([17, 60, 133]);
    try {
      const records = Array.from({ length: 150 }, (_, i) => {
        const y = 2 * i + 1 + (outliers.has(i) ? 50 : 0);
        return Buffer.from(JSON.stringify({ sensor: `s${i % 3}`, x: i, y }));
      });
      await putAll(env.clients.kinesis, stream, records);
      await waitFor(() => query.totals.records >= 150, 20_000, 'all read');
    } finally {
      await query.stop();
    }
    const all = await scanAll(env.clients.dynamodb, `all-${id}`);
    expect(all).toHaveLength(150);
    for (const r of all) {
      expect(r.prediction as number).toBeCloseTo(2 * (r.x as number) + 1, 6);
      expect(r.residual as number).toBeCloseTo((r.y as number) - (r.prediction as number), 9);
      expect(typeof r.anomaly_score).toBe('number');
      expect(r.anomaly_score as number).toBeGreaterThanOrEqual(0);
      expect(r.anomaly_score as number).toBeLessThanOrEqual(1);
    }
    const out = await scanAll(env.clients.dynamodb, `out-${id}`);
    expect(out.map((r) => r.x as number).sort((a, b) => a - b)).toEqual([...outliers]);
  });
});
