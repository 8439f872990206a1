import { SqlEngine } from './src/sql/engine.js';
import { OutputExecutor } from './src/engine/outputs/executor.js';
import { Decoder, METADATA_FIELDS } from './src/engine/decode/decoder.js';
import { planWindow } from './src/engine/window.js';
const cols = [{ name: 'id', type: 'string' as const }, { name: 'currentTemp', type: 'int' as const }, { name: 'status', type: 'string' as const }];
const dec = new Decoder({ kind: 'csv', columns: cols });
const fields = [...cols, ...METADATA_FIELDS];
const sql = await SqlEngine.create();
const exec = await OutputExecutor.create(sql, fields, planWindow({ kind: 'sliding', lengthMs: 20000 }, 1000), 'hot_sensors', [
  { name: 'data_dump', sql: 'SELECT * FROM hot_sensors ORDER BY currentTemp DESC' },
  { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100 ORDER BY currentTemp DESC' },
  { name: 'hottest', sql: 'SELECT id, currentTemp, status FROM hot_sensors ORDER BY currentTemp DESC, _arrival DESC LIMIT 2' },
]);
const N = Number(process.argv[2] ?? 100000);
const NAMES = ['Ada', 'Bartholomew', 'Cy', 'Dolores'];
let t = 1.7e12;
for (let r = 0; r < 8; r++) {
  const recs = Array.from({ length: N }, (_, i) => ({ shardId: 's', sequenceNumber: String(1e9 + r * N + i), partitionKey: 'k', arrivalMs: t, data: Buffer.from(`${NAMES[i % 4]},${(i * 7919) % 541},OK`) }));
  const c0 = performance.now();
  const { batch } = dec.decode(recs);
  const c1 = performance.now();
  const res = await exec.process(batch, t, false);
  const c2 = performance.now();
  t += 1000;
  console.log(`decode ${(c1 - c0).toFixed(1)} ms, outputs ${(c2 - c1).toFixed(1)} ms`, res.results.map((x) => `${x.name}:${x.batch.length}`).join(' '));
}
