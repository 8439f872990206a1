/**
 * What the dashboard costs: the seed pipeline (20 s sliding window, 1 s batches, two DynamoDB sinks
 * and the dead-letter table) drains the same preloaded stream size with no dashboard, and with the
 * dashboard serving one Chromium page that is live on its event stream (plus a Prometheus scrape
 * every 5 s, more often than the usual 15 s). Runs alternate (A B B A ...) so drift on a noisy machine hits both sides alike;
 * medians of REPS each; the ratio is with / without.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { createAwsClients } from '../src/aws/clients.js';
import { ensureStream } from '../src/aws/admin.js';
import { DashboardServer } from '../src/dashboard/server.js';
import { startLocalStack } from '../src/local/stack.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import { KinesisProducer } from '../src/kinesis/producer.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';
import type { PipelineConfig } from '../src/pipeline/config.js';
import { findChromium } from '../test/helpers/browser.js';

const N = Number(process.env.BENCH_RECORDS ?? 20_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const CHROMIUM = findChromium().executablePath;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const built = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-ui.mjs')], { stdio: 'inherit' });
if (built.status !== 0) throw new Error('building the dashboard page failed');

const stack = await startLocalStack();
const clients = createAwsClients(stack.connection);
const userDataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  locale: 'en-US',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = browser.pages()[0] ?? (await browser.newPage());
let run = 0;

/** CPU seconds (user + system) used so far by the Chromium processes of this bench's profile. */
function browserCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(userDataDir)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

function seedConfig(stream: string): PipelineConfig {
  const id = `${process.pid}-${run++}`;
  return parsePipelineConfig({
    app: `bench-ui-${id}`,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
    batchInterval: '1s',
    window: { kind: 'sliding', length: '20s' },
    view: 'hot_sensors',
    outputs: [
      { name: 'data_dump', sql: 'SELECT * FROM hot_sensors', sink: { kind: 'dynamodb', table: `bench-ui-dump-${id}` } },
      { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'dynamodb', table: `bench-ui-anom-${id}` } },
      { name: 'hottest', sql: 'SELECT id, currentTemp FROM hot_sensors ORDER BY currentTemp DESC LIMIT 2', sink: { kind: 'console', rows: 2 } },
    ],
    deadLetter: { table: `bench-ui-dead-${id}` },
  });
}

async function loadStream(): Promise<string> {
  const stream = `bench-ui-${process.pid}-${run++}`;
  await ensureStream(clients.kinesis, stream, 2);
  const producer = new KinesisProducer(clients.kinesis, stream, { concurrency: 4 });
  // 1% malformed, so the dead-letter path and its live notes run too.
  const records = Array.from({ length: N }, (_, i) => ({ data: Buffer.from(i % 100 === 0 ? `bad${i},x,OK` : `s${i},${10 + (i % 541)},OK`), partitionKey: `k${i}` }));
  const r = await producer.send(records);
  if (r.failed) throw new Error(`${r.failed} records failed to load`);
  return stream;
}

interface Drain {
  recordsPerSecond: number;
  /** CPU ms of this process (pipeline + dashboard server) per 1,000 records. */
  cpuMsPerK: number;
  /** CPU ms of the browser per 1,000 records. */
  browserCpuMsPerK: number;
}

async function drain(withUi: boolean): Promise<Drain> {
  const stream = await loadStream();
  const config = seedConfig(stream);
  const q = new StreamingQuery({ config, clients, out: () => undefined });
  let server: DashboardServer | undefined;
  let scraper: NodeJS.Timeout | undefined;
  if (withUi) {
    server = new DashboardServer({ query: q, config, clients, port: 0 });
    const url = await server.start();
    await page.goto(url);
    await page.locator('#conn', { hasText: /^live$/ }).waitFor({ timeout: 30_000 });
    scraper = setInterval(() => void fetch(`${url}/metrics`).then((r) => r.text()), 5_000);
  }
  await q.start();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const browser0 = browserCpuSeconds();
  while (q.totals.records < N) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const browserCpu = browserCpuSeconds() - browser0;
  if (scraper) clearInterval(scraper);
  if (withUi) {
    const points = await page.evaluate(() => (globalThis as unknown as { sluiceDashboard: { charts: { rate: { data: number[][] } } } }).sluiceDashboard.charts.rate.data[0]!.length);
    if (points === 0) throw new Error('the page received no batches: the dashboard was not live');
    await page.goto('about:blank');
  }
  await q.stop();
  await server?.close();
  return { recordsPerSecond: N / elapsed, cpuMsPerK: (cpu.user + cpu.system) / 1000 / (N / 1000), browserCpuMsPerK: (browserCpu * 1000) / (N / 1000) };
}

const without: Drain[] = [];
const withUi: Drain[] = [];
try {
  for (let rep = 0; rep < REPS; rep++) {
    for (const ui of rep % 2 === 0 ? [false, true] : [true, false]) {
      const d = await drain(ui);
      (ui ? withUi : without).push(d);
      process.stdout.write(
        `rep ${rep + 1} ${ui ? 'with dashboard + 1 browser' : 'no dashboard'}: ${d.recordsPerSecond.toFixed(0)} records/s, sluice CPU ${d.cpuMsPerK.toFixed(0)} ms/1k records, browser CPU ${d.browserCpuMsPerK.toFixed(0)} ms/1k records\n`,
      );
    }
  }
  const m = (xs: Drain[], k: keyof Drain) => median(xs.map((x) => x[k]));
  const a = m(without, 'recordsPerSecond');
  const b = m(withUi, 'recordsPerSecond');
  process.stdout.write(`\n${N} records, 2 shards, seed pipeline (20 s sliding window, 1 s batches), medians of ${REPS}:\n`);
  process.stdout.write(`  no dashboard:                ${a.toFixed(0)} records/s, sluice CPU ${m(without, 'cpuMsPerK').toFixed(0)} ms per 1k records\n`);
  // Each rep's two runs are neighbours in time: their ratio is less exposed to drift than the ratio of medians.
  const paired = withUi.map((w, i) => w.recordsPerSecond / without[i]!.recordsPerSecond);
  const pairedCpu = withUi.map((w, i) => w.cpuMsPerK / without[i]!.cpuMsPerK);
  process.stdout.write(`  per-rep ratios (with / without): throughput ${paired.map((r) => r.toFixed(2)).join(' ')} (median ${median(paired).toFixed(3)}); sluice CPU ${pairedCpu.map((r) => r.toFixed(2)).join(' ')} (median ${median(pairedCpu).toFixed(3)})\n`);
  process.stdout.write(
    `  dashboard + 1 live browser:  ${b.toFixed(0)} records/s (ratio ${(b / a).toFixed(3)}), sluice CPU ${m(withUi, 'cpuMsPerK').toFixed(0)} ms per 1k records (ratio ${(m(withUi, 'cpuMsPerK') / m(without, 'cpuMsPerK')).toFixed(3)}), browser CPU ${m(withUi, 'browserCpuMsPerK').toFixed(0)} ms per 1k records\n`,
  );
} finally {
  await browser.close();
  rmSync(userDataDir, { recursive: true, force: true });
  clients.close();
  await stack.close();
}
