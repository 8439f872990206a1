import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { DashboardServer } from '../../src/dashboard/server.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import type { PipelineConfig } from '../../src/pipeline/config.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { putAll, waitFor } from '../helpers/aws.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { encode, MALFORMED, seedRecords } from '../helpers/seed-data.js';
import { useLocalStack } from '../helpers/stack.js';
import { parseMetrics, type Sample } from './prometheus.js';

const env = useLocalStack();
const TOKEN = 'test-token-0123456789';

/** Every series the issue lists, by name. */
const SERIES = [
  'sluice_records_in_total',
  'sluice_shard_records_in_total',
  'sluice_shard_bytes_in_total',
  'sluice_rows_decoded_total',
  'sluice_output_rows_total',
  'sluice_sink_rows_total',
  'sluice_dead_letters_total',
  'sluice_batch_duration_seconds_bucket',
  'sluice_batch_duration_seconds_count',
  'sluice_checkpoint_age_seconds',
  'sluice_shard_millis_behind_latest',
  'sluice_shard_arrival_lag_seconds',
  'sluice_leases',
  'sluice_leases_owned',
];

describe('dashboard server on a running pipeline', () => {
  let query: StreamingQuery;
  let server: DashboardServer;
  let url: string;
  let config: PipelineConfig;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const api = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { ...auth, 'Content-Type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    const seed = seedPipeline();
    config = parsePipelineConfig(seed.config);
    await ensureStream(env.clients.kinesis, config.source.stream, 2);
    query = new StreamingQuery({ config, clients: env.clients, workerId: 'worker-dash', retainWindow: true });
    server = new DashboardServer({ query, config, clients: env.clients, port: 0, token: TOKEN, leaseReadMs: 300, limits: { requestsPerSecond: 20, burst: 40 } });
    url = await server.start();
    await query.start();
    await putAll(env.clients.kinesis, config.source.stream, [...seedRecords(300), ...MALFORMED.slice(0, 3)].map(encode));
    await waitFor(() => query.totals.records >= 303 && query.totals.deadLetters >= 3, 30_000, 'the pipeline to read every record');
  });

  afterAll(async () => {
    await server?.close();
    await query?.stop();
  });

  it('refuses to listen off loopback without a token, naming the flag and the fix', () => {
    expect(() => new DashboardServer({ query, config, clients: env.clients, host: '0.0.0.0' })).toThrow(/Invalid ui-host: "0.0.0.0".*SLUICE_UI_TOKEN/);
  });

  it('answers a wrong or missing token with 401 and serves the page and probes without one', async () => {
    expect((await fetch(`${url}/api/state`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/api/events?token=nope`)).status).toBe(401);
    expect((await api('/api/state')).status).toBe(200);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<section id="streaming">');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean; owned: string[]; reading: string[] };
    expect(ready.ready).toBe(true);
    expect(ready.owned).toEqual(ready.reading);
    expect(ready.owned).toHaveLength(2);
  });

  it('exposes every listed series in the Prometheus text format, with counters that only grow', async () => {
    const scrape = async () => parseMetrics(await (await api('/metrics')).text());
    const first = await scrape();
    for (const name of SERIES) expect(first.some((s) => s.name === name), name).toBe(true);
    const records = first.find((s) => s.name === 'sluice_records_in_total')!;
    expect(records.value).toBeGreaterThanOrEqual(303);
    expect(first.find((s) => s.name === 'sluice_dead_letters_total')!.value).toBeGreaterThanOrEqual(3);
    const lags = first.filter((s) => s.name === 'sluice_shard_arrival_lag_seconds');
    expect(lags.map((s) => s.labels.shard).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(first.find((s) => s.name === 'sluice_leases')!.labels.worker).toBe('worker-dash');
    expect(first.find((s) => s.name === 'sluice_sink_rows_total' && s.labels.sink === 'data_dump' && s.labels.result === 'written')!.value).toBeGreaterThan(0);

    await putAll(env.clients.kinesis, config.source.stream, seedRecords(50, 300).map(encode));
    await waitFor(() => query.totals.records >= 353, 20_000, 'the second lot');
    const second = await scrape();
    const counters = (samples: Sample[]) => samples.filter((s) => s.type === 'counter' || s.name.endsWith('_bucket') || s.name.endsWith('_count'));
    for (const before of counters(first)) {
      const after = second.find((s) => s.name === before.name && JSON.stringify(s.labels) === JSON.stringify(before.labels));
      expect(after, `${before.name} ${JSON.stringify(before.labels)} is still there`).toBeDefined();
      expect(after!.value, `${before.name} ${JSON.stringify(before.labels)}`).toBeGreaterThanOrEqual(before.value);
    }
    expect(second.find((s) => s.name === 'sluice_records_in_total')!.value).toBeGreaterThanOrEqual(records.value + 50);
  });

  it('answers a SELECT over the window and refuses COPY ... TO, writes, several statements and oversized SQL', async () => {
    const ok = await api('/api/sql', { method: 'POST', body: JSON.stringify({ sql: 'SELECT id, count(*) AS n FROM hot_sensors GROUP BY id ORDER BY id' }) });
    expect(ok.status).toBe(200);
    const result = (await ok.json()) as { columns: string[]; rows: { id: string; n: number }[]; windowRows: number };
    expect(result.columns).toEqual(['id', 'n']);
    expect(result.rows.map((r) => r.id)).toEqual(['Ada', 'Bob', 'Cy', 'Dee', 'Eve']);

    const refused = async (sql: string) => {
      const r = await api('/api/sql', { method: 'POST', body: JSON.stringify({ sql }) });
      return { status: r.status, error: ((await r.json()) as { error: string }).error };
    };
    const copy = await refused("COPY hot_sensors TO '/tmp/sluice-dashboard-leak.csv'");
    expect(copy.status).toBe(400);
    expect(copy.error).toMatch(/^Refused: .*file system operations are disabled/);
    expect(await refused('DELETE FROM hot_sensors')).toEqual({ status: 400, error: expect.stringMatching(/^Refused: DELETE statements are refused/) });
    expect((await refused('SELECT 1; DROP VIEW hot_sensors')).error).toMatch(/found 2 statements/);
    const big = await refused(`SELECT ${'1 + '.repeat(5_000)}1`);
    expect(big.status).toBe(413);
    expect(big.error).toMatch(/more than the 10000 allowed/);
    const tooBig = await api('/api/sql', { method: 'POST', body: JSON.stringify({ sql: 'x'.repeat(100_000) }) });
    expect(tooBig.status).toBe(413);
    // The pipeline still has its window and keeps writing.
    const again = (await (await api('/api/sql', { method: 'POST', body: JSON.stringify({ sql: 'SELECT count(*) AS n FROM hot_sensors' }) })).json()) as { rows: { n: number }[] };
    expect(again.rows[0]!.n).toBeGreaterThanOrEqual(0);
  });

  it('lists every shard from the lease table with its owner, checkpoint and lag', async () => {
    const { shards } = (await (await api('/api/shards')).json()) as { shards: { shardId: string; owner: string; checkpoint: string; arrivalLagMs: number | null; millisBehindLatest: number | null }[] };
    expect(shards.map((s) => s.shardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    for (const s of shards) {
      expect(s.owner).toBe('worker-dash');
      expect(s.checkpoint).toMatch(/^\d+$/);
      expect(s.arrivalLagMs).not.toBeNull();
      expect(s.millisBehindLatest).not.toBeNull();
    }
  });

  it('pages the dead-letter table with each reason and the raw bytes decoded where printable', async () => {
    const tables = (await (await api('/api/tables')).json()) as { tables: { name: string; role: string }[] };
    const dead = tables.tables.find((t) => t.role === 'dead-letter')!;
    const page = (await (await api(`/api/tables/${dead.name}?limit=100`)).json()) as { items: { reason: string; raw_text: string | null }[] };
    expect(page.items.some((i) => i.reason.includes('currentTemp') && i.raw_text === 'bob,abc,OK')).toBe(true);
    expect(page.items.some((i) => i.reason.includes('expected 3') && i.raw_text === 'alice,120')).toBe(true);
    expect((await api('/api/tables/some-other-table')).status).toBe(400);
    expect((await api(`/api/tables/${dead.name}?cursor=%%%`)).status).toBe(400);
  });

  it('sends generated data to the stream and the pipeline reads it', async () => {
    const before = query.totals.records;
    const start = await api('/api/send', { method: 'POST', body: JSON.stringify({ templates: ['{{name.firstName}},{{random.number({"min":10,"max":550})}},OK'], ratePerSecond: 500, count: 200 }) });
    expect(start.status).toBe(202);
    expect((await api('/api/send', { method: 'POST', body: JSON.stringify({ templates: ['x'], ratePerSecond: 1, count: 1 }) })).status).toBe(400);
    await waitFor(() => query.totals.records >= before + 200, 30_000, 'the sent records to be read');
    const bad = await api('/api/send', { method: 'POST', body: JSON.stringify({ templates: [], ratePerSecond: 5 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/templates/);
  });

  it('bounds a request flood with 429s while the pipeline keeps running batches', async () => {
    const batches = query.totals.batches;
    // 300 requests at once, each on its own connection (as many tabs or a script would).
    const one = () =>
      new Promise<number | 'reset'>((resolve) => {
        const req = httpGet(`${url}/api/state`, { agent: false, headers: auth }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', () => resolve('reset'));
      });
    const t0 = performance.now();
    const statuses = await Promise.all(Array.from({ length: 300 }, one));
    const seconds = (performance.now() - t0) / 1000;
    // At most the burst (40) plus 20 per second of flood were served; the rest were turned away.
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeLessThanOrEqual(Math.ceil(40 + 20 * seconds));
    expect(statuses.filter((s) => s === 429 || s === 'reset').length).toBe(300 - served);
    expect(statuses.every((s) => s === 200 || s === 429 || s === 'reset')).toBe(true);
    await waitFor(() => query.totals.batches >= batches + 3, 10_000, 'batches during and after the flood');
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await api('/healthz')).status).toBe(200);
  });

  it('forgets a live stream whose tab closed mid-stream, and the pipeline is not affected', async () => {
    let done = false;
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpGet(`${url}/api/events?token=${TOKEN}`, { agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('"type":"batch"') && !done) {
            done = true;
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (e) => (done ? undefined : reject(e)));
    });
    expect(received).toContain('event: snapshot');
    await waitFor(() => server.openStreams === 0, 5_000, 'the closed stream to be dropped');
    const before = query.totals.records;
    await putAll(env.clients.kinesis, config.source.stream, seedRecords(20, 1000).map(encode));
    await waitFor(() => query.totals.records >= before + 20, 20_000, 'records after the tab closed');
  });
});
