import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../pipeline/validate.js';
import { allows, iamPolicy } from './iam-policy.js';

const base = {
  app: 'iam-unit',
  source: { stream: 'in' },
  format: { kind: 'csv' as const, columns: [{ name: 'id', type: 'string' as const }] },
  outputs: [{ name: 'o', sql: 'SELECT id, _shard, _seq FROM events', sink: { kind: 'dynamodb' as const, table: 'out-table', createTable: false } }],
};

describe('iamPolicy', () => {
  it('uses placeholders unless region and account are given', () => {
    const text = JSON.stringify(iamPolicy(parsePipelineConfig(base)));
    expect(text).toContain('arn:aws:kinesis:<region>:<account>:stream/in');
    const scoped = iamPolicy(parsePipelineConfig(base), { region: 'eu-west-1', account: '123456789012' });
    expect(allows(scoped, 'kinesis:GetRecords', 'arn:aws:kinesis:eu-west-1:123456789012:stream/in')).toBe(true);
    expect(allows(scoped, 'kinesis:GetRecords', 'arn:aws:kinesis:eu-west-1:123456789012:stream/other')).toBe(false);
    expect(allows(scoped, 'kinesis:GetRecords', 'arn:aws:kinesis:us-east-1:123456789012:stream/in')).toBe(false);
  });

  it('grants CreateTable on a sink table only when the sink creates it', () => {
    const off = iamPolicy(parsePipelineConfig(base), { region: 'r', account: 'a' });
    expect(allows(off, 'dynamodb:BatchWriteItem', 'arn:aws:dynamodb:r:a:table/out-table')).toBe(true);
    expect(allows(off, 'dynamodb:CreateTable', 'arn:aws:dynamodb:r:a:table/out-table')).toBe(false);
    const on = iamPolicy(parsePipelineConfig({ ...base, outputs: [{ ...base.outputs[0]!, sink: { kind: 'dynamodb', table: 'out-table' } }] }), { region: 'r', account: 'a' });
    expect(allows(on, 'dynamodb:CreateTable', 'arn:aws:dynamodb:r:a:table/out-table')).toBe(true);
  });

  it('with enhanced fan-out, grants the consumer calls on the consumer ARN and no polling', () => {
    const efo = iamPolicy(parsePipelineConfig({ ...base, source: { stream: 'in', consumerType: 'SubscribeToShard', consumerName: 'c1' } }), { region: 'r', account: 'a' });
    expect(allows(efo, 'kinesis:SubscribeToShard', 'arn:aws:kinesis:r:a:stream/in/consumer/c1:1764669600')).toBe(true);
    expect(allows(efo, 'kinesis:RegisterStreamConsumer', 'arn:aws:kinesis:r:a:stream/in')).toBe(true);
    expect(allows(efo, 'kinesis:GetRecords', 'arn:aws:kinesis:r:a:stream/in')).toBe(false);
  });

  it('for the function: no lease table without operator state, and the log group of the function', () => {
    const fn = iamPolicy(parsePipelineConfig(base), { lambda: true, region: 'r', account: 'a', functionName: 'f' });
    expect(JSON.stringify(fn)).not.toContain('table/iam-unit');
    expect(allows(fn, 'logs:PutLogEvents', 'arn:aws:logs:r:a:log-group:/aws/lambda/f:log-stream:x')).toBe(true);
  });
});
