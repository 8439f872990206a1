import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { uniqueName } from './names.js';

/** The seed scenario's pipeline with unique stream, table and application names. */
export interface SeedNames {
  stream: string;
  dump: string;
  anomaly: string;
  dead: string;
  app: string;
}

export function seedPipeline(overrides: Partial<PipelineConfigInput> = {}): { names: SeedNames; config: PipelineConfigInput } {
  const id = uniqueName('t');
  const names = { stream: `ks-${id}`, dump: `dump-${id}`, anomaly: `anom-${id}`, dead: `dead-${id}`, app: `app-${id}` };
  const config: PipelineConfigInput = {
    app: names.app,
    source: { stream: names.stream, startingPosition: 'trim_horizon', pollInterval: 50 },
    format: {
      kind: 'csv',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'currentTemp', type: 'int' },
        { name: 'status', type: 'string' },
      ],
    },
    batchInterval: 200,
    window: { kind: 'sliding', length: '2s' },
    view: 'hot_sensors',
    outputs: [
      { name: 'data_dump', sql: 'SELECT * FROM hot_sensors ORDER BY currentTemp DESC', sink: { kind: 'dynamodb', table: names.dump } },
      { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'dynamodb', table: names.anomaly } },
    ],
    deadLetter: { table: names.dead },
    ...overrides,
  };
  return { names, config };
}
