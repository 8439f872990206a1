import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from './validate.js';
import { applySparkOptions } from './spark-options.js';
import { kinesisSourceSettings } from '../kinesis/config.js';
import { parseStartingPosition } from '../kinesis/position.js';

const base = {
  app: 'spark-port',
  format: { kind: 'csv', columns: [{ name: 'a', type: 'string' }] },
  outputs: [{ name: 'o', sql: 'SELECT * FROM events', sink: { kind: 'console' } }],
};

describe("the Spark connector's option names (seed 002)", () => {
  it('port one to one: every .option("kinesis.*") of the seed lands on the Sluice field it means', () => {
    const config = parsePipelineConfig({
      ...base,
      source: {
        'kinesis.region': 'us-west-2',
        'kinesis.streamName': 'kinesis-source',
        'kinesis.consumerType': 'SubscribeToShard',
        'kinesis.consumerName': 'efo-consumer',
        'kinesis.endpointUrl': 'https://kinesis.us-west-2.amazonaws.com',
        'kinesis.startingposition': 'AT_TIMESTAMP 2023-08-30T19:00:05Z',
        'kinesis.describeShardInterval': '5s',
        'kinesis.getRecords.numberOfRecordsPerFetch': 500,
        'kinesis.getRecords.fetchIntervalMs': '250',
        'kinesis.clientNumRetries': 4,
        'kinesis.clientRetryIntervalsMs': 100,
        'kinesis.clientMaxRetryIntervalMs': 2000,
      },
    });
    const s = config.source;
    expect(s).toMatchObject({ stream: 'kinesis-source', region: 'us-west-2', consumerType: 'SubscribeToShard', consumerName: 'efo-consumer', endpointUrl: 'https://kinesis.us-west-2.amazonaws.com', recordsPerPoll: 500, maxGetRecordsPerSecond: 4 });
    expect(parseStartingPosition(s.startingPosition)).toEqual({ kind: 'atTimestamp', at: new Date('2023-08-30T19:00:05Z') });
    expect(kinesisSourceSettings(s, config.app)).toEqual({
      consumerType: 'SubscribeToShard',
      consumerName: 'efo-consumer',
      discoveryIntervalMs: 5000,
      retry: { attempts: 5, initialDelayMs: 100, maxDelayMs: 2000 },
      maxGetRecordsPerSecond: 4,
      // Not a Spark option: the idle shard backoff's default cap (source.idleTimeBetweenReads).
      maxIdleMs: 2000,
    });
  });

  it('accepts LATEST, TRIM_HORIZON, EARLIEST and sequence numbers with a KPL sub-sequence', () => {
    const pos = (v: string) => parseStartingPosition(parsePipelineConfig({ ...base, source: { stream: 's', 'kinesis.startingPosition': v } }).source.startingPosition);
    expect(pos('LATEST')).toEqual({ kind: 'latest' });
    expect(pos('TRIM_HORIZON')).toEqual({ kind: 'trimHorizon' });
    expect(pos('EARLIEST')).toEqual({ kind: 'trimHorizon' });
    expect(pos('AT_SEQUENCE_NUMBER shardId-000000000001/4959')).toEqual({ kind: 'sequences', after: false, shards: { 'shardId-000000000001': { sequenceNumber: '4959' } } });
    expect(pos('AFTER_SEQUENCE_NUMBER shardId-000000000001/4959.3,shardId-000000000002/5000')).toEqual({
      kind: 'sequences',
      after: true,
      shards: { 'shardId-000000000001': { sequenceNumber: '4959', subSequence: 3 }, 'shardId-000000000002': { sequenceNumber: '5000' } },
    });
  });

  it('refuses options with no Sluice meaning, naming the option and what to do instead', () => {
    expect(() => applySparkOptions({ ...base, source: { stream: 's', 'kinesis.awsAccessKeyId': 'AKIA' } })).toThrow(/kinesis\.awsAccessKeyId.*environment/);
    expect(() => applySparkOptions({ ...base, source: { stream: 's', 'kinesis.noSuchOption': 1 } })).toThrow(/kinesis\.noSuchOption.*docs\/pipelines\.md/);
  });

  it('refuses a field set twice with different values, naming both', () => {
    expect(() => applySparkOptions({ ...base, source: { stream: 'a', 'kinesis.streamName': 'b' } })).toThrow(/kinesis\.streamName.*source\.stream is also set to "a"/);
    expect(applySparkOptions({ ...base, source: { stream: 'a', 'kinesis.streamName': 'a' } })).toMatchObject({ source: { stream: 'a' } });
  });

  it('leaves a pipeline without kinesis.* options as it is', () => {
    const input = { ...base, source: { stream: 's' } };
    expect(applySparkOptions(input)).toBe(input);
  });
});
