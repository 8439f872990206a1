import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import moment from 'moment';
import { describe, expect, it } from 'vitest';
import { ensureStream, listShards } from '../../src/aws/admin.js';
import { generate } from '../../src/generator/generate.js';
import { KinesisProducer } from '../../src/kinesis/producer.js';
import { catalogue } from '../helpers/catalogue.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const N = 40;
const dec = new TextDecoder();

/** The instants a record may carry: the production window, widened to whole seconds. */
interface Window {
  from: number;
  to: number;
}

/** A moment-formatted instant, parsed strictly, lies in the window (to the format's resolution). */
function dateIn(value: string, format: string, w: Window, utc: boolean, resolution: 'millisecond' | 'second' | 'day' = 'second'): void {
  const m = utc ? moment.utc(value, format, true) : moment(value, format, true);
  expect(m.isValid(), `${JSON.stringify(value)} is not ${format}`).toBe(true);
  expect(m.valueOf()).toBeGreaterThanOrEqual((utc ? moment.utc(w.from) : moment(w.from)).startOf(resolution).valueOf());
  expect(m.valueOf()).toBeLessThanOrEqual(w.to);
}

const inRange = (v: unknown, lo: number, hi: number, integer = true) => {
  expect(typeof v === 'number' ? v : Number(v)).toBeGreaterThanOrEqual(lo);
  expect(typeof v === 'number' ? v : Number(v)).toBeLessThanOrEqual(hi);
  if (integer) expect(Number.isInteger(Number(v)), String(v)).toBe(true);
};

const HOUR = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (1[0-2]|[1-9])(AM|PM)$/;
const LONG = 'dddd, MMMM Do YYYY, h:mm:ss a';
const APACHE = 'DD/MMM/YYYY:HH:mm:ss Z';

/** What each catalogue template must render; a catalogue entry without checks fails the test. */
const CHECKS: Record<string, (line: string, w: Window) => void> = {
  'kdg-help-csv': (l) => {
    const [first, last, age, ip] = l.split(',');
    expect(first).toMatch(/^[\p{L}' -]+$/u);
    expect(last).toMatch(/^[\p{L}' -]+$/u);
    inRange(age, 0, 70);
    expect(ip).toMatch(/^(\d{1,3}\.){3}\d{1,3}$/);
  },
  'kdg-help-sensor-json': (l) => {
    const o = JSON.parse(l) as { sensorId: number; currentTemperature: number; status: string };
    inRange(o.sensorId, 0, 50);
    inRange(o.currentTemperature, 10, 150);
    expect(['OK', 'FAIL', 'WARN']).toContain(o.status);
  },
  'kdg-help-date-now': (l, w) => dateIn(l, 'YYYY-MM-DDTHH:mm:ssZ', w, false),
  'kdg-help-date-now-long': (l, w) => dateIn(l, LONG, w, false),
  'kdg-help-date-now-short': (l) => expect(l).toMatch(HOUR),
  'kdg-help-date-now-apache': (l, w) => dateIn(l, APACHE, w, false),
  'kdg-help-date-utc': (l, w) => dateIn(l, 'YYYY-MM-DDTHH:mm:ss[Z]', w, true),
  'kdg-help-date-utc-long': (l, w) => dateIn(l, LONG, w, true),
  'kdg-help-date-utc-short': (l, w) => {
    expect(l).toMatch(HOUR);
    expect([moment.utc(w.from).format('ddd, hA'), moment.utc(w.to).format('ddd, hA')]).toContain(l);
  },
  'kdg-help-date-utc-apache': (l, w) => {
    dateIn(l, APACHE, w, true);
    expect(l.endsWith(' +00:00')).toBe(true);
  },
  'kdg-help-weighted': (l) => expect(['cat', 'fish', 'dog']).toContain(l),
  'kdg-help-simtime': (l, w) => dateIn(l, 'YYYY-MM-DDTHH:mm:ssZ', w, false),
  'seed-001-sensors': (l) => {
    const m = /^([\p{L}' -]+),(\d+),(OK|FAIL|WARN)$/u.exec(l);
    expect(m, l).not.toBeNull();
    inRange(m![2], 10, 550);
  },
  'seed-002-countries': (l, w) => {
    const o = JSON.parse(l) as { id: number; data: string; date: string };
    inRange(o.id, 0, 100);
    expect(['Spain', 'Portugal', 'Finland', 'France']).toContain(o.data);
    // hh is the 12-hour clock with no AM/PM: check the shape, and the date part
    expect(o.date).toMatch(/^\d{4}-\d{2}-\d{2} (0[1-9]|1[0-2]):[0-5]\d:[0-5]\d$/);
    expect([moment(w.from).format('YYYY-MM-DD'), moment(w.to).format('YYYY-MM-DD')]).toContain(o.date.slice(0, 10));
  },
  microseconds: (l, w) => {
    const o = JSON.parse(l) as { ts: string; value: number };
    expect(o.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000$/);
    dateIn(o.ts.slice(0, 23), 'YYYY-MM-DDTHH:mm:ss.SSS', w, true, 'millisecond');
    inRange(o.value, 0, 1, false);
    expect(String(o.value)).toMatch(/^(0|1)(\.\d{1,3})?$/);
  },
  'localized-dates': (l, w) => {
    const [L, LT, LLLL, rest] = l.split('|');
    dateIn(L!, 'MM/DD/YYYY', w, false, 'day');
    expect(LT).toMatch(/^(1[0-2]|[1-9]):[0-5]\d (AM|PM)$/);
    expect(LLLL).toMatch(/^(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day, [A-Z][a-z]+ \d{1,2}, \d{4} (1[0-2]|[1-9]):[0-5]\d (AM|PM)$/);
    const m = /^(\d{1,2})(st|nd|rd|th) of ([A-Z][a-z]+), Q([1-4]), (\d+), (\d+)$/.exec(rest!);
    expect(m, rest).not.toBeNull();
    const x = Number(m![6]);
    expect(x).toBeGreaterThanOrEqual(w.from);
    expect(x).toBeLessThanOrEqual(w.to);
    expect(Number(m![5])).toBe(Math.floor(x / 1000));
    expect(rest).toBe(moment.utc(x).format('Do [of] MMMM, [Q]Q, X, x'));
  },
  'apache-access-log': (l, w) => {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}) - - \[([^\]]+)\] "(GET|POST|PUT) \/([a-z]+-[a-z]+) HTTP\/1\.1" (200|404|500) (\d+)$/.exec(l);
    expect(m, l).not.toBeNull();
    dateIn(m![2]!, APACHE, w, false);
    inRange(m![6], 200, 5000);
  },
  clickstream: (l, w) => {
    const o = JSON.parse(l) as Record<string, string>;
    expect(o.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(o.email).toMatch(/^\S+@\S+$/);
    expect(o.page).toMatch(/^https?:\/\//);
    expect(o.userAgent!.length).toBeGreaterThan(10);
    expect(o.country).toMatch(/^[A-Z]{2}$/);
    dateIn(o.at!, 'YYYY-MM-DDTHH:mm:ss.SSS[Z]', w, true, 'millisecond');
  },
  'stock-ticker': (l, w) => {
    const o = JSON.parse(l) as { ticker: string; price: number; volume: number; at: number };
    expect(['AAPL', 'AMZN', 'MSFT', 'INTC', 'TBV']).toContain(o.ticker);
    inRange(o.price, 10, 150, false);
    expect(Math.round(o.price * 100) / 100).toBe(o.price);
    inRange(o.volume, 1, 1000);
    inRange(o.at, w.from, w.to);
  },
  'iot-device': (l, w) => {
    const o = JSON.parse(l) as { deviceId: string; lat: number; lon: number; battery: number; online: boolean; at: string };
    expect(o.deviceId).toMatch(/^[a-z0-9]{12}$/);
    inRange(o.lat, -90, 90, false);
    inRange(o.lon, -180, 180, false);
    inRange(o.battery, 0, 100);
    expect(typeof o.online).toBe('boolean');
    dateIn(o.at, 'YYYY-MM-DD HH:mm:ss', w, true);
  },
  orders: (l, w) => {
    const o = JSON.parse(l) as { orderId: string; customer: string; product: string; price: number; quantity: number; city: string; placedAt: string };
    expect(o.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(o.customer).toMatch(/ /);
    expect(o.product.length).toBeGreaterThan(3);
    inRange(o.price, 1, 1000, false);
    inRange(o.quantity, 1, 5);
    expect(o.city.length).toBeGreaterThan(1);
    dateIn(o.placedAt, 'YYYY-MM-DDTHH:mm:ssZ', w, false);
  },
};

async function readAll(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await listShards(kinesis, stream)) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it! }));
      for (const rec of r.Records ?? []) out.push(dec.decode(rec.Data));
      it = r.NextShardIterator;
      if ((r.Records ?? []).length === 0) break;
    }
  }
  return out;
}

describe("docs/generator.md's catalogue through the embedded Kinesis", () => {
  const entries = catalogue();

  it('has checks for every catalogue template', () => {
    expect(entries.length).toBeGreaterThanOrEqual(20);
    expect(entries.map((e) => e.name).filter((n) => !(n in CHECKS))).toEqual([]);
  });

  it.each(entries.map((e) => [e.name, e.source] as const))('%s: produced, read back with the SDK, every record checked', async (name, source) => {
    const stream = uniqueName('gen');
    await ensureStream(env.clients.kinesis, stream, 2);
    const producer = new KinesisProducer(env.clients.kinesis, stream);
    const from = Date.now();
    const summary = await generate({ template: source, rate: 400, count: N, producer });
    const to = Date.now();
    expect(summary).toMatchObject({ generated: N, sent: N, failed: 0 });
    const records = await readAll(env.clients.kinesis, stream);
    expect(records).toHaveLength(N);
    for (const r of records) {
      // KDG framing: one line, newline-terminated
      expect(r.endsWith('\n'), JSON.stringify(r)).toBe(true);
      expect(r.slice(0, -1)).not.toMatch(/[\r\n]/);
      CHECKS[name]!(r.slice(0, -1), { from, to });
    }
  });

  it('simulated time: a backfilled hour lands in the stream with every date.now inside [start, end)', async () => {
    const stream = uniqueName('gen-sim');
    await ensureStream(env.clients.kinesis, stream, 2);
    const startMs = Date.UTC(2024, 4, 6, 12, 0, 0);
    const endMs = startMs + 10 * 60_000;
    const summary = await generate({
      template: '{"at": {{date.now("x")}}, "iso": "{{date.utc("YYYY-MM-DDTHH:mm:ss.SSS[Z]")}}", "v": {{random.number(9)}}}',
      rate: 2,
      simulate: { startMs, endMs },
      producer: new KinesisProducer(env.clients.kinesis, stream),
    });
    expect(summary).toMatchObject({ generated: 1200, sent: 1200, failed: 0 });
    const records = (await readAll(env.clients.kinesis, stream)).map((r) => JSON.parse(r) as { at: number; iso: string; v: number });
    expect(records).toHaveLength(1200);
    for (const r of records) {
      expect(r.at).toBeGreaterThanOrEqual(startMs);
      expect(r.at).toBeLessThan(endMs);
      expect(Date.parse(r.iso)).toBe(r.at);
    }
  });
});
