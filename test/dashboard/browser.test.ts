import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../helpers/browser.js';

// The dashboard in a real browser (Chromium driven by playwright-core) against a real `sluice demo`
// run. The browser is the system's Chromium if there is one, else the one the dev dependency
// @sparticuz/chromium ships inside its npm package (test/helpers/browser.ts): `npm install` is all
// it needs, and no browser is a failure, not a skip.

const root = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(root, '.artifacts', 'dashboard');
/** SLUICE_UPDATE_SCREENSHOTS=1 also refreshes the screenshots in docs/images. */
const DOCS_IMAGES = process.env.SLUICE_UPDATE_SCREENSHOTS === '1' ? join(root, 'docs', 'images') : undefined;

describe('dashboard in a browser against sluice demo', () => {
  let demo: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;
  let userDataDir: string | undefined;
  let demoLog = '';
  const requested: string[] = [];

  beforeAll(async () => {
    const browser = findChromium();
    console.log(`dashboard browser: ${browser.executablePath} (${browser.source})`);
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-ui.mjs')], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`building the dashboard page failed: ${built.stderr}`);
    mkdirSync(ARTIFACTS, { recursive: true });

    demo = spawn(process.execPath, [join(root, 'bin', 'sluice.js'), 'demo', '--rate', '20', '--shards', '3', '--bad-ratio', '0.2', '--seed', '7', '--ui-port', '0'], {
      env: { ...process.env, SLUICE_KINESIS_ENDPOINT: '', SLUICE_DYNAMODB_ENDPOINT: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sluice demo printed no dashboard URL in 90 s:\n${demoLog}`)), 90_000);
      demo!.stderr!.on('data', (chunk: Buffer) => {
        demoLog += chunk.toString();
        const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(demoLog);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      demo!.on('exit', (code) => reject(new Error(`sluice demo exited (${code}) before printing its dashboard URL:\n${demoLog}`)));
    });

    userDataDir = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: browser.executablePath,
      headless: true,
      // A fixed locale: with LANG=C.UTF-8 Chromium reports en-US@posix, which the npm build's ICU refuses (toLocaleTimeString throws).
      locale: 'en-US',
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(url);
  }, 150_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    if (demo && demo.exitCode === null) {
      const exited = new Promise((r) => demo!.once('exit', r));
      demo.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  }, 60_000);

  async function shot(section: string): Promise<void> {
    const file = join(ARTIFACTS, `dashboard-${section}.png`);
    await page.locator(`#${section}`).screenshot({ path: file });
    if (DOCS_IMAGES) {
      mkdirSync(DOCS_IMAGES, { recursive: true });
      copyFileSync(file, join(DOCS_IMAGES, `dashboard-${section}.png`));
    }
  }

  it('loads, goes live and its charts receive points', async () => {
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 30_000 }).toBe('live');
    const points = () => page.evaluate(() => (globalThis as unknown as { sluiceDashboard: { charts: Record<string, { data: number[][] }> } }).sluiceDashboard.charts.rate.data[0]!.length);
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(5);
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { sluiceDashboard: { charts: Record<string, { data: number[][] }> } }).sluiceDashboard.charts.hist.data[1]!.reduce((a, n) => a + n, 0)), { timeout: 10_000 }).toBeGreaterThan(5);
    await expect.poll(async () => Number(await page.locator('#records-in-total').textContent()), { timeout: 30_000 }).toBeGreaterThan(20);
    await shot('streaming');
    // Offline: the page and its bundle come from the dashboard itself, nothing from a CDN.
    expect(requested.length).toBeGreaterThan(2);
    expect(requested.filter((u) => !u.startsWith(`${url}/`))).toEqual([]);
  }, 120_000);

  it('lists every shard with its owner and lag', async () => {
    const rows = page.locator('#shard-table tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(3);
    for (let i = 0; i < 3; i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      expect(cells[0]).toMatch(/^shardId-00000000000[0-2]$/);
      expect(cells[1]).toMatch(/^worker-/);
      expect(cells[5], `arrival lag of ${cells[0]}`).toMatch(/^\d+(\.\d)? m?s$/);
      expect(cells[4], `MillisBehindLatest of ${cells[0]}`).toMatch(/^\d+(\.\d)? m?s$/);
    }
    await shot('shards');
  }, 60_000);

  it('shows a dead letter with its reason, live and in the dead-letter table', async () => {
    await expect.poll(() => page.locator('#dead-letters li').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await page.locator('#dead-letters li').first().textContent()).toMatch(/fix:/);
    await page.locator('#table-first').click();
    await expect.poll(() => page.locator('#table-page tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const headers = await page.locator('#table-page th').allTextContents();
    expect(headers.slice(0, 3)).toEqual(['reason', 'stage', 'raw_text']);
    expect(await page.locator('#table-page tbody tr').first().locator('td').first().textContent()).toMatch(/fix:/);
    await shot('tables');
  }, 90_000);

  it('answers a SQL query over the window and refuses COPY ... TO', async () => {
    await expect.poll(() => page.locator('#outputs h3').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    await page.locator('#sql').fill('SELECT status, count(*) AS n FROM hot_sensors GROUP BY status ORDER BY status');
    await page.locator('#sql-run').click();
    await expect.poll(() => page.locator('#sql-status').textContent(), { timeout: 30_000 }).toMatch(/^\d+ rows/);
    expect(await page.locator('#sql-result th').allTextContents()).toEqual(['status', 'n']);
    await shot('windows');
    await page.locator('#sql').fill("COPY hot_sensors TO '/tmp/sluice-leak.csv'");
    await page.locator('#sql-run').click();
    await expect.poll(() => page.locator('#sql-status').textContent(), { timeout: 30_000 }).toMatch(/^Refused: .*disabled/);
    expect(await page.locator('#sql-status').getAttribute('class')).toBe('error');
    expect(existsSync('/tmp/sluice-leak.csv')).toBe(false);
  }, 90_000);

  it('shows the flagged rows in the anomalies section with a chart of one key', async () => {
    await expect.poll(() => page.locator('#anomaly-table tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { sluiceDashboard: { charts: Record<string, { data: number[][] }> } }).sluiceDashboard.charts.anomaly.data[0]!.length), { timeout: 30_000 }).toBeGreaterThan(0);
    await shot('anomalies');
  }, 60_000);

  it('"Send data" raises the records-in counter by what it sent', async () => {
    const before = Number(await page.locator('#records-in-total').textContent());
    await page.locator('#send-rate').fill('1000');
    await page.locator('#send-count').fill('1500');
    await page.locator('#send-start').click();
    await expect.poll(() => page.locator('#send-status').textContent(), { timeout: 60_000 }).toMatch(/^done: 1500 sent, 0 failed/);
    await shot('send');
    await expect.poll(async () => Number(await page.locator('#records-in-total').textContent()), { timeout: 60_000 }).toBeGreaterThanOrEqual(before + 1500);
  }, 120_000);
});
