import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from './validate.js';

const base = {
  app: 'validate-app',
  source: { stream: 's' },
  format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }] },
};
const output = (name: string) => ({ name, sql: 'SELECT * FROM events', sink: { kind: 'console' } });

describe('parsePipelineConfig', () => {
  it('refuses two outputs with the same name, naming both', () => {
    expect(() => parsePipelineConfig({ ...base, outputs: [output('dump'), output('alerts'), output('dump')] })).toThrow(
      /outputs\[2\]\.name: "dump" is already the name of outputs\[0\]/,
    );
  });

  it('takes SQL limits, and names a bad one', () => {
    const c = parsePipelineConfig({ ...base, outputs: [output('a')], sql: { memoryLimit: '512MB', threads: 1, queryTimeout: '5s' } });
    expect(c.sql).toEqual({ memoryLimit: '512MB', threads: 1, queryTimeout: '5s' });
    expect(parsePipelineConfig({ ...base, outputs: [output('a')] }).sql).toEqual({});
    expect(() => parsePipelineConfig({ ...base, outputs: [output('a')], sql: { memoryLimit: 'lots' } })).toThrow(/sql\.memoryLimit: .*512MB.*\(got "lots"\)/);
    expect(() => parsePipelineConfig({ ...base, outputs: [output('a')], sql: { threads: 0 } })).toThrow(/sql\.threads/);
  });

  it('takes the lease options (balance, loadMargin, handoff), and names a bad one with its value and the choices', () => {
    const c = parsePipelineConfig({ ...base, outputs: [output('a')], lease: { failover: '5s', balance: 'count', loadMargin: 0.3, handoff: false } });
    expect(c.lease).toEqual({ failover: '5s', balance: 'count', loadMargin: 0.3, handoff: false });
    expect(parsePipelineConfig({ ...base, outputs: [output('a')] }).lease).toEqual({ failover: 10_000 });
    expect(() => parsePipelineConfig({ ...base, outputs: [output('a')], lease: { balance: 'cpu' } })).toThrow(/lease\.balance: one of "load" .* or "count" .*\(got "cpu"\)/);
    expect(() => parsePipelineConfig({ ...base, outputs: [output('a')], lease: { loadMargin: 0.01 } })).toThrow(/lease\.loadMargin: at least 0\.05 .*\(got 0\.01\)/);
    expect(() => parsePipelineConfig({ ...base, outputs: [output('a')], lease: { handoff: 'yes' } })).toThrow(/lease\.handoff: true .* or false .*\(got "yes"\)/);
  });
});
