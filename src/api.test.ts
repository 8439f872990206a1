import { describe, expect, it } from 'vitest';
import { csv, dynamodb, readStream } from './api.js';
import { loadPipelineFile } from './pipeline/validate.js';

describe('pipeline builder', () => {
  const base = readStream({ app: 'anomaly-detector', stream: 'kinesis-stream', startingPosition: 'latest', createShards: 1 })
    .format(csv({ id: 'string', currentTemp: 'int', status: 'string' }))
    .batchInterval('1s')
    .window({ kind: 'sliding', length: '20s', slide: '1s' })
    .createOrReplaceTempView('hot_sensors')
    .deadLetters('anomaly-detector_dead_letters');

  it('never mutates: each call returns a new builder', () => {
    const a = base.sql('SELECT * FROM hot_sensors').writeStream(dynamodb({ table: 'data_dump' }), 'data_dump');
    const b = base.sql('SELECT 1 AS x FROM hot_sensors').writeStream(dynamodb({ table: 'other', keyColumns: ['x'] }), 'other');
    expect(a.toConfig().outputs.map((o) => o.name)).toEqual(['data_dump']);
    expect(b.toConfig().outputs.map((o) => o.name)).toEqual(['other']);
    expect(() => base.toConfig()).toThrow(/outputs/);
  });

  it('builds the same pipeline as the seed pipeline file', () => {
    const built = base
      .sql('SELECT * FROM hot_sensors ORDER BY currentTemp DESC')
      .writeStream(dynamodb({ table: 'data_dump' }), 'data_dump')
      .sql('SELECT * FROM hot_sensors WHERE currentTemp > 100 ORDER BY currentTemp DESC')
      .writeStream(dynamodb({ table: 'data_anomaly' }), 'data_anomaly')
      .sql('SELECT id, currentTemp, status FROM hot_sensors ORDER BY currentTemp DESC, _arrival DESC LIMIT 2')
      .writeStream({ kind: 'console', rows: 2, truncate: true }, 'hottest')
      .toConfig();
    const file = loadPipelineFile(new URL('../examples/anomaly-detection.yaml', import.meta.url).pathname);
    expect(built).toEqual(file);
  });
});
