/**
 * The load case's producer, in its own process so its CPU is not counted as the worker's:
 * `node --import tsx bench/scale/producer.ts <kinesis-endpoint> <stream> <records/s> <seconds>`.
 * Puts `rate` records a second for `seconds`, in 10 PutRecords a second, each record `put_ms,n` where
 * `put_ms` is the wall time just before its PutRecords call; prints `sent=N failed=N` at the end.
 */
import { createAwsClients } from '../../src/aws/clients.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/stack.js';
import { KinesisProducer } from '../../src/kinesis/producer.js';

const [endpoint, stream, rateArg, secondsArg] = process.argv.slice(2);
if (!endpoint || !stream) throw new Error('usage: producer.ts <kinesis-endpoint> <stream> <records/s> <seconds>');
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const clients = createAwsClients({ kinesisEndpoint: endpoint, dynamodbEndpoint: endpoint, region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS }, faults: [] });
const producer = new KinesisProducer(clients.kinesis, stream, { concurrency: 4 });
const TICKS_PER_S = 10;
const perTick = Math.round(rate / TICKS_PER_S);
let sent = 0;
let failed = 0;
const t0 = performance.now();
const inFlight = new Set<Promise<void>>();
for (let tick = 0; tick < seconds * TICKS_PER_S; tick++) {
  const due = t0 + (tick * 1000) / TICKS_PER_S;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const now = Date.now();
  const records = Array.from({ length: perTick }, (_, i) => ({ data: Buffer.from(`${now},${sent + i}`), partitionKey: `k${(sent + i) * 7919}` }));
  sent += perTick;
  // Ticks do not wait for each other (a slow put must not lower the rate), a few at most in flight.
  const p = producer.send(records).then((r) => {
    failed += r.failed;
  });
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
  while (inFlight.size >= 8) await Promise.race(inFlight);
}
await Promise.all(inFlight);
process.stdout.write(`sent=${sent} failed=${failed}\n`);
clients.close();
