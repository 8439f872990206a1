import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from './clients.js';
import { callOf } from './aws-call.js';
import { awsEvents } from './aws-events.js';
import { classifyAwsError } from './errors.js';
import { faultCounts, parseFaultsEnv, resetFaultCounts } from './faults.js';
import { backoffDelay, retry } from '../retry.js';

// Nothing listens on this port: a call that got past the fault middleware would fail with a network error.
const conn = { kinesisEndpoint: 'http://127.0.0.1:9', dynamodbEndpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };

describe('SLUICE_FAULTS', () => {
  it('parses rules per operation, in percent or as a share, with latency and failure counts', () => {
    expect(parseFaultsEnv('GetRecords:throttle=30%; PutRecords:throttle=0.3,latency=20ms ;UpdateItem:fail=2,error=InternalServerError,service=dynamodb')).toEqual([
      { operation: 'GetRecords', throttle: 0.3 },
      { operation: 'PutRecords', throttle: 0.3, latencyMs: 20 },
      { operation: 'UpdateItem', service: 'dynamodb', fail: 2, error: 'InternalServerError' },
    ]);
    expect(parseFaultsEnv('[{"operation":"*","latency":"1s"}]')).toEqual([{ operation: '*', latencyMs: 1000 }]);
    expect(parseFaultsEnv('')).toEqual([]);
  });

  it('names the variable, the rule and the syntax when a rule is wrong', () => {
    expect(() => parseFaultsEnv('GetRecords')).toThrow(/SLUICE_FAULTS.*GetRecords.*Operation:key=value/);
    expect(() => parseFaultsEnv('GetRecords:throttle=lots')).toThrow(/SLUICE_FAULTS.*throttle/);
  });

  it('fails the first N calls, then throttles the given share, as AWS-shaped retriable errors tagged with their call', async () => {
    resetFaultCounts();
    const clients = createAwsClients({ ...conn, faults: [{ operation: 'ListStreams', fail: 2, throttle: 1 }] });
    try {
      const errors: unknown[] = [];
      for (let i = 0; i < 4; i++) errors.push(await clients.kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e));
      const names = errors.map((e) => (e as Error).name);
      expect(names).toEqual(['InternalFailure', 'InternalFailure', 'LimitExceededException', 'LimitExceededException']);
      const classified = classifyAwsError(errors[2], 'ListStreams');
      expect(classified.retriable).toBe(true);
      expect(callOf(classified)).toMatchObject({ service: 'kinesis', operation: 'ListStreams' });
      expect(faultCounts()['kinesis.ListStreams']).toEqual({ calls: 4, throttled: 2, failed: 2 });
    } finally {
      clients.close();
    }
  });

  it('createAwsClients installs the rules in SLUICE_FAULTS unless given its own', async () => {
    const before = process.env.SLUICE_FAULTS;
    process.env.SLUICE_FAULTS = 'ListStreams:fail=1,error=AccessDeniedException';
    try {
      const fromEnv = createAwsClients(conn);
      const none = createAwsClients({ ...conn, faults: [] });
      try {
        await expect(fromEnv.kinesis.send(new ListStreamsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
        // Without faults the call goes to the network, where nothing listens.
        await expect(none.kinesis.send(new ListStreamsCommand({}))).rejects.not.toMatchObject({ name: 'AccessDeniedException' });
      } finally {
        fromEnv.close();
        none.close();
      }
    } finally {
      if (before === undefined) delete process.env.SLUICE_FAULTS;
      else process.env.SLUICE_FAULTS = before;
    }
  });

  it('the retry helper reports each retry of an AWS call as an aws.retry event', async () => {
    const clients = createAwsClients({ ...conn, faults: [{ operation: 'ListStreams', throttle: 1 }] });
    const events: unknown[] = [];
    const off = awsEvents.on('aws.retry', (e) => events.push(e));
    try {
      await expect(retry(() => clients.kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => Promise.reject(classifyAwsError(e, 'ListStreams'))), { retries: 3, initialDelayMs: 1 })).rejects.toThrow(/LimitExceeded/);
      expect(events).toEqual([
        expect.objectContaining({ service: 'kinesis', operation: 'ListStreams', errorName: 'LimitExceededException', throttled: true, attempt: 1 }),
        expect.objectContaining({ attempt: 2 }),
      ]);
    } finally {
      off();
      clients.close();
    }
  });
});

describe('backoffDelay', () => {
  it('draws uniformly from [0, min(cap, base * 2^n)] (full jitter)', () => {
    expect(backoffDelay(0, { initialDelayMs: 100 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { initialDelayMs: 100, maxDelayMs: 10_000 }, () => 0.999999)).toBe(800);
    expect(backoffDelay(30, { initialDelayMs: 100, maxDelayMs: 10_000 }, () => 0.5)).toBe(5000);
  });
});
