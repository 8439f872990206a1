import { SluiceError, describeValue } from '../errors.js';

/**
 * The Spark Kinesis connector's option names (seed 002: `.option("kinesis.region", ...)`),
 * accepted in a pipeline's `source:` block beside Sluice's own names, so a Spark job's options
 * port one to one. Option names are matched case-insensitively, as Spark does. Each is rewritten
 * to the Sluice field it means; docs/pipelines.md has the table. Options with no Sluice meaning
 * are refused with the reason and what to do instead, never silently ignored.
 */
interface Mapping {
  /** Path of the Sluice field, from the pipeline's top level. */
  to: string[];
  convert?: (value: unknown, option: string) => unknown;
}

const num = (value: unknown, option: string): number => {
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw refused(option, value, 'use a non-negative number');
  return n;
};

/** "LATEST", "TRIM_HORIZON", "EARLIEST", "AT_TIMESTAMP 2023-08-30T19:00:05Z", and Sluice's own forms. */
function startingPosition(value: unknown, option: string): string {
  if (typeof value !== 'string') throw refused(option, value, 'use LATEST, TRIM_HORIZON, EARLIEST or "AT_TIMESTAMP <ISO time>"');
  const m = /^\s*(AT_TIMESTAMP|AT_SEQUENCE_NUMBER|AFTER_SEQUENCE_NUMBER)\s+(.+)$/i.exec(value);
  return m ? `${m[1]!.toLowerCase()}:${m[2]!.trim()}` : value;
}

const MAPPINGS: Record<string, Mapping> = {
  'kinesis.streamname': { to: ['source', 'stream'] },
  'kinesis.region': { to: ['source', 'region'] },
  'kinesis.kinesisregion': { to: ['source', 'region'] },
  'kinesis.endpointurl': { to: ['source', 'endpointUrl'] },
  'kinesis.consumertype': { to: ['source', 'consumerType'] },
  'kinesis.consumername': { to: ['source', 'consumerName'] },
  'kinesis.startingposition': { to: ['source', 'startingPosition'], convert: startingPosition },
  'kinesis.describeshardinterval': { to: ['source', 'describeShardInterval'] },
  'kinesis.getrecords.numberofrecordsperfetch': { to: ['source', 'recordsPerPoll'], convert: num },
  'kinesis.getrecords.fetchintervalms': { to: ['source', 'maxGetRecordsPerSecond'], convert: (v, o) => 1000 / Math.max(1, num(v, o)) },
  'kinesis.clientnumretries': { to: ['source', 'retry', 'attempts'], convert: (v, o) => num(v, o) + 1 },
  'kinesis.subscribetoshard.maxretries': { to: ['source', 'retry', 'attempts'], convert: (v, o) => num(v, o) + 1 },
  'kinesis.clientretryintervalsms': { to: ['source', 'retry', 'initialDelay'], convert: num },
  'kinesis.clientmaxretryintervalms': { to: ['source', 'retry', 'maxDelay'], convert: num },
  'kinesis.dynamodb.tablename': { to: ['app'] },
};

/** Options Sluice refuses, with why and what to use instead. */
const REFUSED: Record<string, string> = {
  'kinesis.metadatacommittertype': 'Sluice always checkpoints in DynamoDB, in a table named after `app`; remove the option (DYNAMODB is what Sluice does)',
  'kinesis.metadatapath': 'Sluice checkpoints in DynamoDB, not HDFS/S3; remove the option',
  'kinesis.awsaccesskeyid': 'put credentials in the environment (AWS_ACCESS_KEY_ID) or a profile, never in a pipeline file',
  'kinesis.awssecretkey': 'put credentials in the environment (AWS_SECRET_ACCESS_KEY) or a profile, never in a pipeline file',
  'kinesis.stsrolearn': 'assume the role with a profile (role_arn in ~/.aws/config, AWS_PROFILE)',
  'kinesis.stssessionname': 'assume the role with a profile (role_session_name in ~/.aws/config)',
  'kinesis.maxfetchrecordspershard': 'bound a micro-batch with maxRecordsPerBatch (all shards) and source.maxBufferedPerShard',
  'kinesis.maxfetchtimepershardsec': 'Sluice batches by time with batchInterval',
  'kinesis.failondataloss': 'Sluice always stops with an error naming the shard when it cannot read one',
};

function refused(option: string, value: unknown, fix: string): SluiceError {
  return new SluiceError(`Invalid source.${option}: ${describeValue(value)}. Fix: ${fix}`, { domain: 'user', code: 'InvalidOption' });
}

function get(obj: Record<string, unknown>, path: string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

function set(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = value;
}

/**
 * Rewrites the connector's `kinesis.*` options in `source:` to Sluice's names. Returns a new
 * object; the input is not changed. A Sluice field set twice with different values (once by its
 * own name, once by the connector's) is an error naming both.
 */
export function applySparkOptions(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const source = (input as Record<string, unknown>).source;
  if (typeof source !== 'object' || source === null) return input;
  const keys = Object.keys(source).filter((k) => k.toLowerCase().startsWith('kinesis.'));
  if (keys.length === 0) return input;
  const out = structuredClone(input) as Record<string, unknown>;
  const src = out.source as Record<string, unknown>;
  for (const key of keys) {
    const value = src[key];
    delete src[key];
    const lower = key.toLowerCase();
    const why = REFUSED[lower];
    if (why) throw refused(key, value, why);
    const m = MAPPINGS[lower];
    if (!m) {
      throw refused(key, value, `Sluice does not know this connector option; docs/pipelines.md lists the kinesis.* options it accepts (${Object.keys(MAPPINGS).join(', ')})`);
    }
    const converted = m.convert ? m.convert(value, key) : value;
    const existing = get(out, m.to);
    if (existing !== undefined && existing !== converted) {
      throw refused(key, value, `${m.to.join('.')} is also set to ${describeValue(existing)}; keep one of the two`);
    }
    set(out, m.to, converted);
  }
  return out;
}
