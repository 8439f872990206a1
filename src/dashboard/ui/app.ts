import uPlot from 'uplot';
import type { BatchPoint, DeadLetterNote, OutputResult, AwsRetryCount } from '../live-state.js';

// The dashboard page: draws the snapshot, then applies each Server-Sent Event. Charts are uPlot.

interface ShardRow {
  shardId: string;
  owner: string | null;
  leaseCounter: number | null;
  checkpoint: string | null;
  millisBehindLatest: number | null;
  arrivalLagMs: number | null;
  buffered: number | null;
  retries: number;
  throttles: number;
}

interface SendStatus {
  running: boolean;
  stream: string;
  generated: number;
  sent: number;
  failed: number;
  ratePerSecond: number;
  target: { count?: number; durationSeconds?: number };
  elapsedMs: number;
  error?: string;
}

interface Snapshot {
  app: string;
  stream: string;
  worker: string;
  view: string;
  batchInterval: string;
  outputConfig: { name: string; sql: string; sink: string }[];
  outputs: OutputResult[];
  tables: { name: string; role: string; output?: string }[];
  shards: ShardRow[];
  send: SendStatus | null;
  tokenRequired: boolean;
  batches: BatchPoint[];
  deadLetters: DeadLetterNote[];
  aws: AwsRetryCount[];
  errors: { at: number; message: string }[];
  stopped: string | null;
}

type Message =
  | { type: 'batch'; batch: BatchPoint }
  | { type: 'output'; result: OutputResult }
  | { type: 'lag' }
  | { type: 'deadletter'; note: DeadLetterNote }
  | { type: 'aws'; counts: AwsRetryCount[] }
  | { type: 'error'; at: number; message: string }
  | { type: 'stop'; reason: string }
  | { type: 'shards'; shards: ShardRow[]; error: string | null }
  | { type: 'send'; status: SendStatus };

const HISTORY_MS = 10 * 60_000;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const state = {
  batches: [] as BatchPoint[],
  deadLetters: [] as DeadLetterNote[],
  outputs: new Map<string, OutputResult>(),
  outputNames: [] as string[],
  recordsIn: 0,
  anomalies: [] as { at: number; output: string; row: Record<string, unknown> }[],
  tableCursor: undefined as string | undefined,
  token: sessionStorage.getItem('sluice-token') ?? '',
};

// ---------- HTTP ----------

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { ...init, headers });
  const body = (await res.json()) as T & { error?: string };
  if (res.status === 401) askToken('');
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

function askToken(message: string): void {
  $('token-form').hidden = false;
  $('token-error').textContent = message;
}

// ---------- charts ----------

function chart(id: string, series: uPlot.Series[], opts: Partial<uPlot.Options> = {}): uPlot {
  const el = $(id);
  const width = Math.max(320, el.clientWidth || 560);
  const data = [[], ...series.map(() => [])] as unknown as uPlot.AlignedData;
  return new uPlot({ width, height: 210, series: [{}, ...series], legend: { live: false }, ...opts }, data, el);
}

const bars = uPlot.paths.bars!({ size: [0.7, 60] });
const charts = {
  rate: chart('chart-rate', [
    { label: 'records in', stroke: '#2b6cb0', width: 2 },
    { label: 'rows decoded', stroke: '#38a169', width: 1 },
  ]),
  delay: chart('chart-delay', [
    { label: 'processing', stroke: '#2b6cb0', width: 2 },
    { label: 'scheduling delay', stroke: '#dd6b20', width: 1 },
    { label: 'total delay', stroke: '#805ad5', width: 1 },
  ]),
  hist: chart('chart-hist', [{ label: 'batches', fill: 'rgba(43,108,176,0.5)', stroke: '#2b6cb0', paths: bars, points: { show: false } }], {
    scales: { x: { time: false } },
    axes: [{ label: 'processing time (ms)' }, {}],
  }),
  dl: chart('chart-dl', [{ label: 'dead letters', fill: 'rgba(197,48,48,0.5)', stroke: '#c53030', paths: bars, points: { show: false } }]),
  anomaly: chart('chart-anomaly', [
    { label: 'value', stroke: '#2b6cb0', width: 1 },
    { label: 'anomaly', stroke: '#c53030', width: 0, points: { show: true, size: 8, fill: '#c53030' } },
  ]),
};
// For tests and the curious: the charts and their data.
(window as unknown as { sluiceDashboard: unknown }).sluiceDashboard = { charts, state };

// Drawing is coalesced: at most one frame per second, whatever the event rate, so a fast pipeline
// does not make the browser (often on the same machine) redraw tables many times a second.
let drawPending = false;
let lastDraw = 0;
const dirtyOutputs = new Map<string, OutputResult>();
function redraw(): void {
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => requestAnimationFrame(() => {
    drawPending = false;
    lastDraw = performance.now();
    drawStreaming();
    const outputs = [...dirtyOutputs.values()];
    dirtyOutputs.clear();
    for (const r of outputs) drawOutput(r);
    for (const r of outputs) noteAnomalies(r);
  }), Math.max(0, 1000 - (performance.now() - lastDraw)));
}

function drawStreaming(): void {
  const b = state.batches;
  const x = b.map((p) => p.t / 1000);
  charts.rate.setData([x, b.map((p) => p.records), b.map((p) => p.rows)]);
  charts.delay.setData([x, b.map((p) => p.processingMs), b.map((p) => p.schedulingDelayMs), b.map((p) => p.totalDelayMs)]);
  // Histogram: 20 bins from 0 to the largest processing time.
  const max = Math.max(1, ...b.map((p) => p.processingMs));
  const width = niceBin(max / 20);
  const bins = Math.ceil(max / width) + 1;
  const counts = new Array<number>(bins).fill(0);
  for (const p of b) counts[Math.floor(p.processingMs / width)]!++;
  charts.hist.setData([counts.map((_, i) => i * width), counts]);
  // Dead letters per minute.
  const perMinute = new Map<number, number>();
  for (const p of b) {
    const m = Math.floor(p.t / 60_000) * 60;
    perMinute.set(m, (perMinute.get(m) ?? 0) + p.deadLetters);
  }
  // Always eleven one-minute slots (the last ten minutes and this one), zeros included, so one
  // minute of data is one bar among eleven rather than a lone bar stretched over the axis.
  const lastMinute = Math.floor((b.at(-1)?.t ?? Date.now()) / 60_000) * 60;
  const minutes = Array.from({ length: 11 }, (_, i) => lastMinute - (10 - i) * 60);
  charts.dl.setData([minutes, minutes.map((m) => perMinute.get(m) ?? 0)]);
  // Cards: rates over the last 10 s of batches.
  const now = b.at(-1)?.t ?? 0;
  const recent = b.filter((p) => p.t > now - 10_000);
  const span = recent.length > 1 ? (recent.at(-1)!.t - recent[0]!.t) / 1000 + intervalSeconds() : intervalSeconds() * Math.max(1, recent.length);
  const sum = (f: (p: BatchPoint) => number) => recent.reduce((a, p) => a + f(p), 0);
  $('rate-in').textContent = (sum((p) => p.records) / span).toFixed(0);
  $('rate-out').textContent = (sum((p) => Object.values(p.outputs).reduce((a, n) => a + n, 0)) / span).toFixed(0);
  const pastMinute = b.filter((p) => p.t > now - 60_000);
  $('dl-rate').textContent = String(pastMinute.reduce((a, p) => a + p.deadLetters, 0));
  // Event-time pipelines: the watermark (UTC time of day) and records later than it allowed.
  const wm = b.at(-1)?.watermark;
  if (wm !== undefined && b.some((p) => p.watermark !== null)) {
    $('event-time-cards').hidden = false;
    $('watermark').textContent = wm === null ? '–' : new Date(wm).toISOString().slice(11, 19);
    $('late-rate').textContent = String(pastMinute.reduce((a, p) => a + (p.late ?? 0), 0));
  }
  $('batches').textContent = String(b.at(-1) ? b.at(-1)!.batchId + 1 : 0);
  const sorted = b.map((p) => p.processingMs).sort((a, c) => a - c);
  $('proc-median').textContent = sorted.length ? `${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms` : '–';
  $('records-in-total').textContent = String(state.recordsIn);
}

function niceBin(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 0.01)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

let batchIntervalSeconds = 1;
function intervalSeconds(): number {
  return batchIntervalSeconds;
}

// ---------- sections ----------

function cell(v: unknown): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  td.title = td.textContent;
  return td;
}

function table(columns: string[], rows: Record<string, unknown>[], decorate?: (tr: HTMLTableRowElement, row: Record<string, unknown>) => void): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'scroll';
  const t = document.createElement('table');
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.appendChild(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of columns) tr.appendChild(cell(r[c]));
    decorate?.(tr, r);
  }
  wrap.appendChild(t);
  return wrap;
}

function drawShards(shards: ShardRow[]): void {
  const body = $('shard-table').querySelector('tbody')!;
  body.replaceChildren(
    ...shards.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.shard = s.shardId;
      const lag = (v: number | null) => (v === null ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
      // Sequence numbers are 56 digits: show the ends, the whole one on hover.
      const cp = s.checkpoint && s.checkpoint.length > 20 ? `${s.checkpoint.slice(0, 6)}…${s.checkpoint.slice(-10)}` : (s.checkpoint ?? '');
      for (const v of [s.shardId, s.owner ?? '(free)', s.leaseCounter ?? '', cp, lag(s.millisBehindLatest), lag(s.arrivalLagMs), s.buffered ?? '–', s.retries, s.throttles]) tr.appendChild(cell(v));
      if (s.checkpoint) tr.children[3]!.setAttribute('title', s.checkpoint);
      return tr;
    }),
  );
}

function drawOutput(result: OutputResult): void {
  let box = document.getElementById(`output-${result.output}`);
  if (!box) {
    box = document.createElement('div');
    box.id = `output-${result.output}`;
    $('outputs').appendChild(box);
  }
  const h = document.createElement('h3');
  const shown = Math.min(10, result.rows.length);
  h.textContent = `${result.output}: ${result.rowCount} rows at batch ${result.batchId}${result.rowCount > shown ? ` (first ${shown} shown)` : ''}`;
  box.replaceChildren(h, table(result.columns, result.rows.slice(0, shown)));
}

function noteDeadLetter(n: DeadLetterNote): void {
  const list = $('dead-letters');
  for (const reason of n.reasons) {
    const li = document.createElement('li');
    li.textContent = `${new Date(n.at).toLocaleTimeString()} ${reason}`;
    list.prepend(li);
  }
  while (list.children.length > 50) list.lastElementChild!.remove();
}

function noteError(at: number, message: string): void {
  const li = document.createElement('li');
  li.className = 'error';
  li.textContent = `${new Date(at).toLocaleTimeString()} ${message}`;
  $('errors').prepend(li);
  while ($('errors').children.length > 30) $('errors').lastElementChild!.remove();
}

// Anomalies: rows carrying detector columns (anomaly_score / anomaly_grade), else the rows of an
// output whose name says it holds anomalies (a SQL rule such as the seed's currentTemp > 100).
function flagged(result: OutputResult): Record<string, unknown>[] {
  // The anomaly operator grades 'low' | 'medium' | 'high'; medium and high are flagged.
  if (result.columns.includes('anomaly_grade')) return result.rows.filter((r) => r.anomaly_grade === 'high' || r.anomaly_grade === 'medium');
  if (result.columns.includes('anomaly_score')) return result.rows.filter((r) => Number(r.anomaly_score) >= 0.5);
  if (/anomal/i.test(result.output)) return result.rows;
  return [];
}

const seenAnomalies = new Set<string>();
function noteAnomalies(result: OutputResult): void {
  const rows = flagged(result);
  if (rows.length === 0) return;
  $('anomaly-source').textContent = result.columns.includes('anomaly_score')
    ? `Rows the detectors flagged (anomaly_score, anomaly_grade), from output ${result.output}.`
    : `Rows of output ${result.output} (its SQL is the rule: no detector columns in this pipeline).`;
  for (const row of rows) {
    const id = `${String(row._shard ?? '')}#${String(row._seq ?? JSON.stringify(row))}`;
    if (seenAnomalies.has(id)) continue;
    seenAnomalies.add(id);
    state.anomalies.push({ at: Date.now(), output: result.output, row });
  }
  while (state.anomalies.length > 500) state.anomalies.shift();
  if (seenAnomalies.size > 20_000) {
    seenAnomalies.clear();
    for (const a of state.anomalies) seenAnomalies.add(`${String(a.row._shard ?? '')}#${String(a.row._seq ?? JSON.stringify(a.row))}`);
  }
  drawAnomalies();
}

function keyColumn(row: Record<string, unknown>): string | undefined {
  return Object.keys(row).find((k) => !k.startsWith('_') && typeof row[k] === 'string' && !/grade|explanation|status/i.test(k));
}

function valueColumn(row: Record<string, unknown>): string | undefined {
  return Object.keys(row).find((k) => !k.startsWith('_') && typeof row[k] === 'number' && !/anomaly/i.test(k));
}

function drawAnomalies(): void {
  const rows = state.anomalies.slice(-50).reverse();
  const first = rows[0]?.row;
  if (!first) return;
  const columns = Object.keys(first).filter((c) => !['_shard', '_seq'].includes(c));
  const t = $('anomaly-table');
  const fresh = table(columns, rows.map((r) => r.row)).querySelector('table')!;
  t.replaceChildren(...Array.from(fresh.children));
  // The key picker and one key's values over time with its anomalies marked.
  const key = keyColumn(first);
  const value = valueColumn(first);
  if (!key || !value) return;
  const select = $<HTMLSelectElement>('anomaly-key');
  const perKey = new Map<string, number>();
  for (const a of state.anomalies) perKey.set(String(a.row[key]), (perKey.get(String(a.row[key])) ?? 0) + 1);
  const keys = [...perKey.keys()].sort();
  if (select.options.length !== keys.length) {
    // Keep the reader's choice; until they choose, show the key with the most anomalies.
    const chosen = select.dataset.chosen ?? [...perKey].sort((a, b) => b[1] - a[1])[0]![0];
    select.replaceChildren(...keys.map((k) => new Option(`${k} (${perKey.get(k)})`, k)));
    select.value = chosen;
  }
  drawAnomalyChart(key, value);
}

function drawAnomalyChart(key: string, value: string): void {
  const chosen = $<HTMLSelectElement>('anomaly-key').value;
  // Values of the chosen key in the latest window results (all outputs), anomalies marked.
  const points = new Map<number, { v: number; flag: boolean }>();
  for (const r of state.outputs.values()) {
    for (const row of r.rows) {
      if (String(row[key]) !== chosen || typeof row[value] !== 'number') continue;
      const t = typeof row._arrival === 'number' ? row._arrival / 1000 : r.at / 1000;
      points.set(t, { v: row[value], flag: points.get(t)?.flag ?? false });
    }
  }
  for (const a of state.anomalies) {
    if (String(a.row[key]) !== chosen || typeof a.row[value] !== 'number') continue;
    const t = typeof a.row._arrival === 'number' ? a.row._arrival / 1000 : a.at / 1000;
    points.set(t, { v: a.row[value], flag: true });
  }
  const ts = [...points.keys()].sort((x, y) => x - y);
  $('anomaly-chart-title').textContent = `${value} of ${key} = ${chosen}, anomalies marked`;
  charts.anomaly.setData([ts, ts.map((t) => points.get(t)!.v), ts.map((t) => (points.get(t)!.flag ? points.get(t)!.v : null))] as uPlot.AlignedData);
}

// ---------- tables ----------

async function loadTablePage(first: boolean): Promise<void> {
  const name = $<HTMLSelectElement>('table-name').value;
  if (first) state.tableCursor = undefined;
  $('table-status').textContent = 'scanning…';
  try {
    const q = new URLSearchParams({ limit: '25', ...(state.tableCursor ? { cursor: state.tableCursor } : {}) });
    const page = await api<{ items: Record<string, unknown>[]; next?: string; scanned: number }>(`/api/tables/${encodeURIComponent(name)}?${q}`);
    state.tableCursor = page.next;
    $<HTMLButtonElement>('table-next').disabled = !page.next;
    $('table-status').textContent = `${page.items.length} items${page.next ? '' : ' (last page)'}`;
    const columns = [...new Set(page.items.flatMap((i) => Object.keys(i)))].filter((c) => c !== 'raw_base64');
    const preferred = ['reason', 'stage', 'raw_text', 'shard_id', 'sequence_number', 'failed_at'];
    columns.sort((a, b) => (preferred.indexOf(a) + 1 || 99) - (preferred.indexOf(b) + 1 || 99));
    $('table-page').replaceChildren(table(columns, page.items));
  } catch (error) {
    $('table-status').textContent = (error as Error).message;
  }
}

// ---------- SQL ----------

async function runSql(): Promise<void> {
  const sql = $<HTMLTextAreaElement>('sql').value;
  $('sql-status').textContent = 'running…';
  $('sql-status').className = '';
  try {
    const r = await api<{ columns: string[]; rows: Record<string, unknown>[]; truncated: boolean; windowRows: number; elapsedMs: number }>('/api/sql', { method: 'POST', body: JSON.stringify({ sql }) });
    $('sql-status').textContent = `${r.rows.length} rows${r.truncated ? ' (cut at the row limit)' : ''} over ${r.windowRows} window rows in ${r.elapsedMs.toFixed(0)} ms`;
    $('sql-result').replaceChildren(table(r.columns, r.rows));
  } catch (error) {
    $('sql-status').textContent = (error as Error).message;
    $('sql-status').className = 'error';
    $('sql-result').replaceChildren();
  }
}

// ---------- send data ----------

function addTemplate(text: string): void {
  const area = document.createElement('textarea');
  area.className = 'template';
  area.rows = 2;
  area.value = text;
  $('templates').appendChild(area);
}

function drawSend(s: SendStatus | null): void {
  if (!s) return;
  const total = s.target.count ?? (s.target.durationSeconds ?? 0) * s.ratePerSecond;
  const progress = $<HTMLProgressElement>('send-progress');
  progress.max = s.target.count ?? (s.target.durationSeconds ?? 1) * 1000;
  progress.value = s.target.count !== undefined ? s.sent + s.failed : Math.min(s.elapsedMs, progress.max);
  $('send-status').textContent = `${s.running ? 'sending' : 'done'}: ${s.sent} sent, ${s.failed} failed${total ? '' : ''}, ${s.ratePerSecond.toFixed(0)} records/s${s.error ? ` — ${s.error}` : ''}`;
  $('send-status').className = s.error ? 'error' : '';
  $<HTMLButtonElement>('send-start').disabled = s.running;
  $<HTMLButtonElement>('send-stop').disabled = !s.running;
}

async function startSend(): Promise<void> {
  const templates = [...document.querySelectorAll<HTMLTextAreaElement>('.template')].map((t) => t.value).filter((t) => t.trim());
  const until = document.querySelector<HTMLInputElement>('input[name=send-until]:checked')!.value;
  const body = {
    templates,
    ratePerSecond: Number($<HTMLInputElement>('send-rate').value),
    ...(until === 'count' ? { count: Number($<HTMLInputElement>('send-count').value) } : { durationSeconds: Number($<HTMLInputElement>('send-duration').value) }),
  };
  try {
    const r = await api<{ status: SendStatus }>('/api/send', { method: 'POST', body: JSON.stringify(body) });
    drawSend(r.status);
  } catch (error) {
    $('send-status').textContent = (error as Error).message;
    $('send-status').className = 'error';
  }
}

// ---------- live stream ----------

function applySnapshot(s: Snapshot): void {
  $('pipeline').textContent = `${s.app} · stream ${s.stream} · worker ${s.worker}${s.stopped ? ` · stopped (${s.stopped})` : ''}`;
  batchIntervalSeconds = parseSeconds(s.batchInterval);
  state.batches = [...s.batches];
  state.recordsIn = Math.max(state.recordsIn, s.batches.reduce((a, b) => a + b.records, 0));
  drawShards(s.shards);
  for (const n of s.deadLetters.slice(-10)) noteDeadLetter(n);
  for (const e of s.errors) noteError(e.at, e.message);
  drawSend(s.send);
  redraw();
}

function parseSeconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(d.trim());
  if (!m) return 1;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

function apply(m: Message): void {
  switch (m.type) {
    case 'batch': {
      state.batches.push(m.batch);
      state.recordsIn += m.batch.records;
      const cut = m.batch.t - HISTORY_MS;
      while (state.batches.length > 0 && state.batches[0]!.t < cut) state.batches.shift();
      redraw();
      return;
    }
    case 'output':
      state.outputs.set(m.result.output, m.result);
      dirtyOutputs.set(m.result.output, m.result);
      redraw();
      return;
    case 'deadletter':
      state.deadLetters.push(m.note);
      noteDeadLetter(m.note);
      return;
    case 'shards':
      drawShards(m.shards);
      return;
    case 'send':
      drawSend(m.status);
      return;
    case 'error':
      noteError(m.at, m.message);
      return;
    case 'stop':
      $('pipeline').textContent += ` · stopped (${m.reason})`;
      return;
    case 'aws':
    case 'lag':
      return;
  }
}

function connect(): void {
  const src = new EventSource(`/api/events${state.token ? `?token=${encodeURIComponent(state.token)}` : ''}`);
  src.addEventListener('snapshot', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
    if (state.outputNames.length === 0) {
      state.outputNames = s.outputConfig.map((o) => o.name);
      const select = $<HTMLSelectElement>('table-name');
      select.replaceChildren(...s.tables.map((t) => new Option(`${t.name} (${t.role}${t.output ? `: ${t.output}` : ''})`, t.name)));
      const dl = s.tables.find((t) => t.role === 'dead-letter');
      if (dl) select.value = dl.name;
      $<HTMLTextAreaElement>('sql').value ||= `SELECT id, count(*) AS readings, max(currentTemp) AS hottest FROM ${s.view} GROUP BY id ORDER BY hottest DESC LIMIT 10`;
      $('send-target').textContent = `Records go to stream ${s.stream}, rendered by the same template generator as sluice produce.`;
    }
    for (const o of s.outputs) apply({ type: 'output', result: o });
    applySnapshot(s);
  });
  src.onmessage = (e) => apply(JSON.parse(e.data as string) as Message);
  src.onopen = () => {
    $('conn').textContent = 'live';
    $('conn').className = 'pill live';
    $('token-form').hidden = true;
  };
  src.onerror = () => {
    $('conn').textContent = 'reconnecting';
    $('conn').className = 'pill';
    if (src.readyState === EventSource.CLOSED) {
      // A 401 closes the stream for good: ask for the token, then reconnect.
      void fetch('/api/state', { headers: state.token ? { Authorization: `Bearer ${state.token}` } : {} }).then((r) => {
        if (r.status === 401) askToken(state.token ? 'wrong token' : '');
        else setTimeout(connect, 2000);
      });
    }
  };
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $<HTMLInputElement>('token').value;
  sessionStorage.setItem('sluice-token', state.token);
  connect();
});
$('sql-run').addEventListener('click', () => void runSql());
$('table-first').addEventListener('click', () => void loadTablePage(true));
$('table-next').addEventListener('click', () => void loadTablePage(false));
$('table-name').addEventListener('change', () => void loadTablePage(true));
$('template-add').addEventListener('click', () => addTemplate(''));
$('send-start').addEventListener('click', () => void startSend());
$('send-stop').addEventListener('click', () => void api<{ status: SendStatus }>('/api/send/stop', { method: 'POST', body: '{}' }).then((r) => drawSend(r.status)));
$('anomaly-key').addEventListener('change', () => {
  $('anomaly-key').dataset.chosen = $<HTMLSelectElement>('anomaly-key').value;
  drawAnomalies();
});
addTemplate('{{name.firstName}},{{random.number({"min":10, "max":550})}},{{random.arrayElement(["OK","FAIL","WARN"])}}');

void fetch('/api/state', { headers: state.token ? { Authorization: `Bearer ${state.token}` } : {} }).then((r) => {
  if (r.status === 401) askToken('');
  else connect();
});
