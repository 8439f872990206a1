import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../pipeline/validate.js';
import { kinesisSourceSettings } from './config.js';

const config = (source: Record<string, unknown>) =>
  parsePipelineConfig({
    app: 'idle-app',
    source: { stream: 's', ...source },
    format: { kind: 'csv', columns: [{ name: 'a', type: 'string' }] },
    outputs: [{ name: 'o', sql: 'SELECT * FROM events', sink: { kind: 'console' } }],
  });

describe('source.idleTimeBetweenReads', () => {
  it('defaults to 2 s, or to pollInterval when that is longer', () => {
    expect(kinesisSourceSettings(config({}).source, 'idle-app').maxIdleMs).toBe(2000);
    expect(kinesisSourceSettings(config({ pollInterval: '5s' }).source, 'idle-app').maxIdleMs).toBe(5000);
  });

  it('takes a duration; equal to pollInterval turns the backoff off', () => {
    expect(kinesisSourceSettings(config({ idleTimeBetweenReads: '500ms' }).source, 'idle-app').maxIdleMs).toBe(500);
    expect(kinesisSourceSettings(config({ pollInterval: 200, idleTimeBetweenReads: 200 }).source, 'idle-app').maxIdleMs).toBe(200);
  });

  it('refuses a value shorter than pollInterval, naming both and the fix', () => {
    expect(() => kinesisSourceSettings(config({ pollInterval: '1s', idleTimeBetweenReads: '300ms' }).source, 'idle-app')).toThrow(
      /Invalid source\.idleTimeBetweenReads: "300ms"\. Fix: .*shorter than source\.pollInterval \(1000 ms\); use at least 1000 ms/,
    );
  });
});
