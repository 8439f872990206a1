import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsClients } from '../aws/clients.js';
import { LeaseCoordinator, type Lease } from '../checkpoint/leases.js';
import type { StreamingQuery } from '../engine/streaming-query.js';
import { SluiceError, invalidOption } from '../errors.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { LiveState, type LiveMessage } from './live-state.js';
import { PipelineMetrics } from './metrics.js';
import { SendDataJobs } from './send-data.js';
import { digest, HttpError, json, plainRow, readJson, TokenBucket } from './http.js';
import { browsableTables, scanPage, type BrowsableTable } from './tables.js';

export interface DashboardOptions {
  query: StreamingQuery;
  config: PipelineConfig;
  clients: AwsClients;
  /** Default 127.0.0.1. Any other address needs `token`. */
  host?: string;
  /** Default 4040 (then the next free port up to 4049, as Spark's UI does); 0 picks any free port. */
  port?: number;
  /** Required off loopback: the page asks for it, API calls send it as a bearer token. */
  token?: string;
  /** Where the built page is. Default `build/ui` at the package root. */
  assetsDir?: string;
  /** How often the lease table is read while a page is open or metrics are scraped. Default 5 s. */
  leaseReadMs?: number;
  limits?: Partial<DashboardLimits>;
}

export interface DashboardLimits {
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  /** Requests per second sustained, and the burst above it, across all clients. */
  requestsPerSecond: number;
  burst: number;
  /** Live-update streams open at once. */
  maxStreams: number;
  /** Bytes queued for one slow stream before it is dropped. */
  maxStreamBacklogBytes: number;
  sqlMaxRows: number;
  sqlTimeoutMs: number;
  sqlMaxChars: number;
}

const DEFAULT_LIMITS: DashboardLimits = {
  maxBodyBytes: 64 * 1024,
  requestsPerSecond: 50,
  burst: 100,
  maxStreams: 16,
  maxStreamBacklogBytes: 1024 * 1024,
  sqlMaxRows: 500,
  sqlTimeoutMs: 5_000,
  sqlMaxChars: 10_000,
};

export const DEFAULT_UI_PORT = 4040;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'ui');
const ASSET_TYPES: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/**
 * The dashboard's HTTP server: the page, `GET /metrics`, `/healthz`, `/readyz`, a Server-Sent
 * Events stream of the engine's events, and small JSON endpoints (SQL over the window, shards,
 * table pages, send data). A client of the engine's events and public methods only. Bounded: a
 * global request rate, a cap on open streams (slow ones are dropped), one SQL query at a time,
 * small bodies; none of it can stall the pipeline, which runs on its own.
 */
export class DashboardServer {
  readonly metrics: PipelineMetrics;
  readonly live: LiveState;
  private readonly send: SendDataJobs;
  private readonly server: Server;
  private readonly limits: DashboardLimits;
  private readonly tables: BrowsableTable[];
  private readonly leaseReader: LeaseCoordinator;
  private leases: Lease[] = [];
  private leaseError: string | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly streams = new Set<ServerResponse>();
  private readonly bucket: TokenBucket;
  private sqlBusy = false;
  private leaseRoundSeen = false;
  private lastLook = 0;
  private leasesReadAt = 0;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly token: Buffer | undefined;
  private url_: string | undefined;

  constructor(private readonly o: DashboardOptions) {
    const host = o.host ?? '127.0.0.1';
    if (!LOOPBACK.has(host) && !o.token) {
      throw invalidOption('ui-host', host, 'a dashboard off loopback needs a token: set SLUICE_UI_TOKEN (or --ui-token) to a secret of 16 or more characters, or keep the default 127.0.0.1');
    }
    if (o.token !== undefined && o.token.length < 16) throw invalidOption('ui-token', '(hidden)', 'use a secret of 16 or more characters');
    this.token = o.token === undefined ? undefined : digest(o.token);
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.bucket = new TokenBucket(this.limits.requestsPerSecond, this.limits.burst);
    this.metrics = new PipelineMetrics({ events: o.query.events, app: o.config.app, stream: o.config.source.stream, leases: () => this.leases });
    this.live = new LiveState(o.query.events);
    this.send = new SendDataJobs(o.clients.kinesis, o.config.source.stream);
    this.tables = browsableTables(o.config);
    this.leaseReader = new LeaseCoordinator({ dynamodb: o.clients.dynamodb, table: o.config.app, streamName: o.config.source.stream, workerId: 'sluice-dashboard' });
    this.unsubscribe.push(
      this.live.subscribe((m) => this.broadcast(m)),
      this.send.onStatus((s) => this.broadcast({ type: 'send', status: s })),
      o.query.events.on('lease.round', () => (this.leaseRoundSeen = true)),
      o.query.events.on('pipeline.stop', () => (this.stopped = true)),
    );
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.maxConnections = 256;
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** Listens and returns the page's URL. */
  async start(): Promise<string> {
    const host = this.o.host ?? '127.0.0.1';
    const first = this.o.port ?? DEFAULT_UI_PORT;
    const last = this.o.port === undefined ? first + 9 : first;
    for (let port = first; ; port++) {
      try {
        await new Promise<void>((resolve, reject) => {
          const onError = (e: Error) => reject(e);
          this.server.once('error', onError);
          this.server.listen(port, host, () => {
            this.server.off('error', onError);
            resolve();
          });
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port >= last) {
          throw new SluiceError(`dashboard: cannot listen on ${host}:${port}: ${(error as Error).message}. Fix: pick another --ui-port (0 picks a free one) or pass --no-ui`, { domain: 'user', code: 'UiListenFailed', cause: error });
        }
      }
    }
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : first;
    this.url_ = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    void this.readLeases();
    // The lease table is a Scan of DynamoDB: read it only while someone looks (a page, or a scrape in the last minute).
    this.leaseTimer = setInterval(() => {
      if (this.streams.size > 0 || Date.now() - this.lastLook < 60_000) void this.readLeases();
    }, this.leaseReadMs);
    this.leaseTimer.unref();
    this.heartbeat = setInterval(() => {
      for (const s of this.streams) this.write(s, ': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
    return this.url_;
  }

  /** Live-update streams open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  get url(): string | undefined {
    return this.url_;
  }

  private get leaseReadMs(): number {
    return this.o.leaseReadMs ?? 5_000;
  }

  /** Reads the lease table first if the last read is older than the read interval (a scrape or a page asking after a quiet spell). */
  private async freshLeases(): Promise<void> {
    this.lastLook = Date.now();
    if (Date.now() - this.leasesReadAt > this.leaseReadMs) await this.readLeases();
  }

  private async readLeases(): Promise<void> {
    try {
      this.leases = await this.leaseReader.read();
      this.leasesReadAt = Date.now();
      this.leaseError = undefined;
    } catch (error) {
      this.leaseError = (error as Error).message;
    }
    if (this.streams.size > 0) this.broadcast({ type: 'shards', shards: this.shardView(), error: this.leaseError ?? null });
  }

  /** Every shard the lease table knows, with its owner, checkpoint, this worker's lag where it reads it, and AWS retries. */
  shardView() {
    const lags = new Map(this.live.lags.map((l) => [l.shardId, l]));
    const aws = this.live.awsCounts();
    const ids = [...new Set([...this.leases.map((l) => l.shardId), ...lags.keys()])].sort();
    return ids.map((shardId) => {
      const lease = this.leases.find((l) => l.shardId === shardId);
      const lag = lags.get(shardId);
      const mine = aws.filter((a) => a.shardId === shardId);
      return {
        shardId,
        owner: lease?.owner ?? null,
        leaseCounter: lease?.counter ?? null,
        checkpoint: lease?.checkpoint ?? null,
        readByThisWorker: lag !== undefined,
        millisBehindLatest: lag?.millisBehindLatest ?? null,
        arrivalLagMs: lag?.arrivalLagMs ?? null,
        buffered: lag?.buffered ?? null,
        retries: mine.reduce((a, c) => a + c.retries, 0),
        throttles: mine.reduce((a, c) => a + c.throttles, 0),
      };
    });
  }

  private ready(): { ready: boolean; owned: string[]; reading: string[] } {
    const owned = this.o.query.ownedShards();
    const reading = new Set(this.o.query.readingShards());
    return { ready: !this.stopped && this.leaseRoundSeen && owned.every((s) => reading.has(s)), owned, reading: [...reading].sort() };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://dashboard');
      const path = url.pathname;
      if (!this.bucket.take()) {
        res.setHeader('Retry-After', '1');
        return json(res, 429, { error: 'too many requests: the dashboard answers at most a bounded rate; retry in a second' });
      }
      // The page and probes carry no pipeline data; everything else needs the token when one is set.
      const open = path === '/' || path === '/app.js' || path === '/app.css' || path === '/healthz' || path === '/readyz' || path === '/favicon.ico';
      if (!open && !this.authorized(req, url)) return json(res, 401, { error: 'unauthorized: this dashboard needs its token (Authorization: Bearer <token>, or ?token= for the event stream)' });
      if (req.method === 'GET') {
        if (path === '/') return await this.asset(res, 'index.html');
        if (path === '/app.js' || path === '/app.css') return await this.asset(res, path.slice(1));
        if (path === '/favicon.ico') return void res.writeHead(204).end();
        if (path === '/healthz') return json(res, this.stopped ? 503 : 200, { status: this.stopped ? 'stopped' : 'ok', worker: this.o.query.workerId });
        if (path === '/readyz') {
          const r = this.ready();
          return json(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
        }
        if (path === '/metrics') {
          await this.freshLeases();
          const text = await this.metrics.text();
          res.writeHead(200, { 'Content-Type': this.metrics.contentType });
          return void res.end(text);
        }
        if (path === '/api/events') return this.openStream(req, res);
        if (path === '/api/state') {
          await this.freshLeases();
          return json(res, 200, this.state());
        }
        if (path === '/api/shards') {
          await this.freshLeases();
          return json(res, 200, { shards: this.shardView(), error: this.leaseError ?? null });
        }
        if (path === '/api/tables') return json(res, 200, { tables: this.tables });
        if (path.startsWith('/api/tables/')) {
          const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
          const page = await scanPage(this.o.clients.dynamodb, this.tables, decodeURIComponent(path.slice('/api/tables/'.length)), url.searchParams.get('cursor') ?? undefined, limit);
          return json(res, 200, page);
        }
        if (path === '/api/send') return json(res, 200, { status: this.send.current() ?? null });
      }
      if (req.method === 'POST') {
        if (path === '/api/sql') return await this.sql(req, res);
        if (path === '/api/send') return json(res, 202, { status: this.send.start(await readJson(req, this.limits.maxBodyBytes)) });
        if (path === '/api/send/stop') return json(res, 200, { status: this.send.stop() ?? null });
      }
      return json(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return json(res, error.status, { error: error.message });
      const e = error as Error;
      const user = error instanceof SluiceError && error.domain === 'user';
      return json(res, user ? 400 : 500, { error: e.message, ...(error instanceof SluiceError ? { code: error.code } : {}) });
    }
  }

  private state() {
    return {
      app: this.o.config.app,
      stream: this.o.config.source.stream,
      worker: this.o.query.workerId,
      view: this.o.config.view,
      window: this.o.config.window,
      batchInterval: this.o.config.batchInterval,
      outputConfig: this.o.config.outputs.map((o) => ({ name: o.name, sql: o.sql, sink: o.sink.kind })),
      tables: this.tables,
      shards: this.shardView(),
      send: this.send.current() ?? null,
      tokenRequired: this.token !== undefined,
      ...this.live.snapshot(),
    };
  }

  private async sql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req, this.limits.maxBodyBytes);
    const sql = (body as { sql?: unknown } | null)?.sql;
    if (typeof sql !== 'string') throw new HttpError(400, 'Invalid body: expected {"sql": "SELECT ..."}');
    if (sql.length > this.limits.sqlMaxChars) throw new HttpError(413, `Refused: the query is ${sql.length} characters, more than the ${this.limits.sqlMaxChars} allowed`);
    if (this.sqlBusy) throw new HttpError(429, 'another query is running; one runs at a time, retry when it is done');
    this.sqlBusy = true;
    try {
      const result = await this.o.query.queryWindow(sql, { maxRows: this.limits.sqlMaxRows, timeoutMs: this.limits.sqlTimeoutMs, maxChars: this.limits.sqlMaxChars });
      json(res, 200, { ...result, rows: result.rows.map(plainRow) });
    } finally {
      this.sqlBusy = false;
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= this.limits.maxStreams) return json(res, 503, { error: `too many live views open (${this.limits.maxStreams}); close a tab` });
    if (Date.now() - this.leasesReadAt > this.leaseReadMs) void this.readLeases();
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    this.streams.add(res);
    const drop = () => this.streams.delete(res);
    req.on('close', drop);
    res.on('error', drop);
    this.write(res, `retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(this.state())}\n\n`);
  }

  private broadcast(m: LiveMessage | { type: 'shards'; shards: unknown; error: string | null } | { type: 'send'; status: unknown }): void {
    if (this.streams.size === 0) return;
    const frame = `data: ${JSON.stringify(m)}\n\n`;
    for (const s of this.streams) this.write(s, frame);
  }

  /** Writes to one stream; a stream too slow to keep up is closed rather than buffered without end. */
  private write(s: ServerResponse, frame: string): void {
    if (s.writableLength > this.limits.maxStreamBacklogBytes) {
      this.streams.delete(s);
      s.destroy();
      return;
    }
    s.write(frame);
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    if (!this.token) return true;
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    return given !== null && timingSafeEqual(digest(given), this.token);
  }

  private async asset(res: ServerResponse, name: string): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(join(this.o.assetsDir ?? DEFAULT_ASSETS, name));
    } catch {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(`dashboard page not built (${name} missing in ${this.o.assetsDir ?? DEFAULT_ASSETS}). Fix: npm run build:ui\n`);
    }
    res.writeHead(200, { 'Content-Type': ASSET_TYPES[name] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', 'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'" });
    res.end(body);
  }

  /** Closes streams and the server; the pipeline is not touched. Idempotent. */
  async close(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const u of this.unsubscribe.splice(0)) u();
    this.send.close();
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    this.live.close();
    this.metrics.close();
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
