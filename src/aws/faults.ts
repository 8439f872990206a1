import { z } from 'zod';
import { invalidOption } from '../errors.js';
import { seededRandom } from '../random.js';
import { sleep } from '../retry.js';
import type { MiddlewareStack } from './aws-call.js';

/**
 * Fault injection for rehearsals: none of the local emulators throttles, so this SDK middleware
 * makes a chosen share of an operation's calls fail as AWS would (throttled, failed, or slow),
 * on the embedded stack or anywhere else. Set it with `SLUICE_FAULTS` or a pipeline's `faults:`.
 *
 * The middleware sits in the `initialize` step, above the SDK's own retry middleware, so every
 * injected fault reaches Sluice's retry layers (per-shard backoff, sink and checkpoint retries)
 * and shows up in `aws.retry` events. An injected fault never sends the request: a throttled
 * PutRecords or BatchWriteItem wrote nothing, as on AWS.
 */
export interface FaultRule {
  /** Operation name as in the API (`GetRecords`, `PutRecords`, `BatchWriteItem`, `UpdateItem`, ...), or `*` for all. */
  operation: string;
  /** Only calls to this service; default both. */
  service?: 'kinesis' | 'dynamodb';
  /** Share of calls (0..1) refused with the service's throttling error. */
  throttle?: number;
  /** Added before every matching call, in ms. */
  latencyMs?: number;
  /** The next N matching calls fail with `error`. */
  fail?: number;
  /** Error code for `fail` (default `InternalFailure`, which is retriable) and, if set, for `throttle`. */
  error?: string;
  /** Seeds this rule's throttle draws (on each client it is installed on): the same seed throttles the same calls in every run; default unseeded. */
  seed?: number;
}

const percent = z.union([
  z.number().min(0).max(1),
  z.string().regex(/^\s*\d+(?:\.\d+)?\s*%\s*$/, 'a share such as 0.3 or "30%"'),
]);
const durationMs = z.union([z.number().min(0), z.string().regex(/^\s*\d+(?:\.\d+)?\s*(ms|s)?\s*$/, 'a duration such as "50ms" or "1s"')]);

/** The pipeline file's `faults:` block: a list of rules. */
export const faultsSchema = z.array(
  z
    .object({
      operation: z.string().regex(/^(\*|[A-Z][A-Za-z]+)$/, 'an API operation name such as GetRecords, or *'),
      service: z.enum(['kinesis', 'dynamodb']).optional(),
      throttle: percent.optional(),
      latency: durationMs.optional(),
      fail: z.number().int().min(0).optional(),
      error: z.string().regex(/^[A-Za-z]+$/).optional(),
      seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    })
    .strict(),
);
export type FaultsConfig = z.output<typeof faultsSchema>;

function toShare(v: number | string): number {
  return typeof v === 'number' ? v : Number(v.trim().replace('%', '')) / 100;
}
function toMs(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(v)!;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** Turns the validated `faults:` block into rules. */
export function faultRules(config: FaultsConfig): FaultRule[] {
  return config.map((c) => ({
    operation: c.operation,
    ...(c.service ? { service: c.service } : {}),
    ...(c.throttle !== undefined ? { throttle: toShare(c.throttle) } : {}),
    ...(c.latency !== undefined ? { latencyMs: toMs(c.latency) } : {}),
    ...(c.fail !== undefined ? { fail: c.fail } : {}),
    ...(c.error ? { error: c.error } : {}),
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
  }));
}

const ENV_HELP =
  'write rules separated by ";", each "Operation:key=value,...", with keys throttle (0.3 or 30%), latency (50ms), fail (a count), error (an AWS error code), service (kinesis|dynamodb), seed (an integer, for reproducible throttling); e.g. SLUICE_FAULTS="GetRecords:throttle=30%;UpdateItem:latency=20ms,fail=2"';

/** Parses `SLUICE_FAULTS`: `GetRecords:throttle=30%;PutRecords:throttle=30%,latency=20ms`, or the same rules as a JSON array. */
export function parseFaultsEnv(text: string | undefined): FaultRule[] {
  if (!text || text.trim() === '') return [];
  const t = text.trim();
  let raw: unknown;
  if (t.startsWith('[')) {
    try {
      raw = JSON.parse(t);
    } catch {
      throw invalidOption('SLUICE_FAULTS', text, `it starts with "[" but is not valid JSON; ${ENV_HELP}`);
    }
  } else {
    raw = t
      .split(';')
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map((rule) => {
        const colon = rule.indexOf(':');
        if (colon < 0) throw invalidOption('SLUICE_FAULTS', rule, ENV_HELP);
        const out: Record<string, unknown> = { operation: rule.slice(0, colon).trim() };
        for (const kv of rule.slice(colon + 1).split(',')) {
          const [k, v] = kv.split('=').map((x) => x.trim());
          if (!k || v === undefined) throw invalidOption('SLUICE_FAULTS', rule, ENV_HELP);
          out[k] = k === 'fail' || k === 'seed' ? Number(v) : k === 'throttle' && !v.endsWith('%') ? Number(v) : v;
        }
        return out;
      });
  }
  const r = faultsSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalidOption(`SLUICE_FAULTS rule ${issue.path.join('.')}`, text, `${issue.message}; ${ENV_HELP}`);
  }
  return faultRules(r.data);
}

/** What the middleware injected, per operation, for reports. */
export interface FaultCounts {
  calls: number;
  throttled: number;
  failed: number;
}
const counts = new Map<string, FaultCounts>();

/** Counts of injected faults since the process started (or since `resetFaultCounts`), by `service.Operation`. */
export function faultCounts(): Record<string, FaultCounts> {
  return Object.fromEntries([...counts].map(([k, v]) => [k, { ...v }]));
}
export function resetFaultCounts(): void {
  counts.clear();
}

function throttleCode(service: 'kinesis' | 'dynamodb', operation: string): string {
  if (service === 'kinesis') return /^(GetRecords|PutRecords?|SubscribeToShard)$/.test(operation) ? 'ProvisionedThroughputExceededException' : 'LimitExceededException';
  return /Item$|^(Query|Scan)$/.test(operation) ? 'ProvisionedThroughputExceededException' : 'ThrottlingException';
}

function awsError(code: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name: code, $fault: 'client', $metadata: { httpStatusCode: status } });
}


const installed = new WeakMap<object, readonly FaultRule[]>();

/** The rules installed on a client (to install the same on a client derived from it). */
export function faultsOf(client: object): readonly FaultRule[] {
  return installed.get(client) ?? [];
}

/**
 * Installs the rules on one SDK client. Installing again replaces the previous rules of that
 * client (the middleware has a fixed name). An empty list installs nothing.
 */
export function installFaults(client: { middlewareStack: unknown }, service: 'kinesis' | 'dynamodb', rules: readonly FaultRule[], random: () => number = Math.random): void {
  const mine = rules.filter((r) => !r.service || r.service === service);
  if (mine.length === 0) return;
  installed.set(client, rules);
  const left = mine.map((r) => r.fail ?? 0);
  const draws = mine.map((r) => (r.seed !== undefined ? seededRandom(r.seed) : random));
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, '') ?? '';
      const key = `${service}.${operation}`;
      for (const [i, rule] of mine.entries()) {
        if (rule.operation !== '*' && rule.operation !== operation) continue;
        const c = counts.get(key) ?? { calls: 0, throttled: 0, failed: 0 };
        counts.set(key, c);
        c.calls++;
        if (rule.latencyMs) await sleep(rule.latencyMs);
        if (left[i]! > 0) {
          left[i]!--;
          c.failed++;
          const code = rule.error ?? 'InternalFailure';
          throw awsError(code, `injected by SLUICE_FAULTS: ${operation} failed (${code})`, code === 'InternalFailure' ? 500 : 400);
        }
        if (rule.throttle && draws[i]!() < rule.throttle) {
          c.throttled++;
          const code = rule.error ?? throttleCode(service, operation);
          throw awsError(code, `injected by SLUICE_FAULTS: ${operation} throttled (Rate exceeded)`, 400);
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'sluiceFaults', priority: 'low', override: true },
  );
}
