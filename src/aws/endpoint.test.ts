import { describe, expect, it } from 'vitest';
import { regionFromEndpoint } from './endpoint.js';
import { classifyAwsError } from './errors.js';

describe('regionFromEndpoint (seed 001 getRegionNameByEndpoint)', () => {
  it.each([
    ['https://kinesis.us-west-2.amazonaws.com', 'us-west-2'],
    ['https://kinesis.eu-central-1.amazonaws.com/', 'eu-central-1'],
    ['https://kinesis-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['https://kinesis.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['https://dynamodb.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
    ['http://127.0.0.1:4567', undefined],
  ])('%s -> %s', (url, region) => expect(regionFromEndpoint(url)).toBe(region));

  it('names the option and the fix for a malformed URL', () => {
    expect(() => regionFromEndpoint('kinesis.us-east-1')).toThrow(/endpointUrl.*full URL/);
  });
});

describe('classifyAwsError', () => {
  const err = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  it.each([
    ['ProvisionedThroughputExceededException', 400, true, 'external'],
    ['ThrottlingException', 400, true, 'external'],
    ['ExpiredIteratorException', 400, false, 'external'],
    ['ResourceNotFoundException', 400, false, 'user'],
    ['ConditionalCheckFailedException', 400, false, 'external'],
    ['SomethingNew', 503, true, 'external'],
    ['SomethingNew', 400, false, 'external'],
    ['ECONNRESET', undefined, true, 'external'],
  ])('%s (%s) -> retriable %s, domain %s', (name, status, retriable, domain) => {
    const c = classifyAwsError(err(name, status), 'Op');
    expect(c.retriable).toBe(retriable);
    expect(c.domain).toBe(domain);
    expect(c.code).toBe(name);
  });
});
