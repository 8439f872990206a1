import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsCall, awsErrorCode, classifyAwsError } from '../../aws/errors.js';
import type { ColumnBatch } from '../../core/batch.js';
import type { PartialMerge } from '../../core/sink.js';
import { invalidOption } from '../../errors.js';
import { retry } from '../../retry.js';
import type { DynamoSinkConfig } from './config.js';
import { columnMarshaller } from './marshal.js';

/** Item attributes the merge keeps: one per shard, and two revision counters. */
const PARTIAL_PREFIX = '__partial:';
const REV = '__rev';
const SHOWN_REV = '__shown_rev';
/** Columns of a derived batch that are not the user's. */
const INTERNAL = new Set(['__i', '__keep', '__part', '__fence', '__partial']);

export interface MergeResult {
  /** Items whose user columns were written. */
  written: number;
  /** Partials refused by their fence (an equal or newer one was stored: a replay, a zombie). */
  refused: number;
  /** DynamoDB calls made, for the benchmark. */
  calls: number;
}

/**
 * Merges per-shard partial aggregates into DynamoDB items, exactly whatever the number of
 * workers (see docs/guarantees.md, "Aggregates across workers"). An item, keyed by the sink's
 * `keyColumns`, holds per shard that shard's latest cumulative partial with the shard position it
 * covers (`__partial:<shard>` = { f: fence, p: partial }), a revision counter, and the user's
 * columns computed from every shard's partial. Per (item, shard) partial: one UpdateItem that
 * replaces the shard's partial only if the stored fence is not newer (a partial computed from a
 * shard's records up to position S is the same whoever computes it, so an equal fence is the same
 * partial and a newer one includes it), adds 1 to the revision, and returns the whole item. Then
 * the user's columns are derived from the item's partials (the engine's `derive`: combine, then
 * the query's own select list and HAVING) and written by a second UpdateItem conditional on the
 * revision they were derived from being newer than the one shown: concurrent writers never
 * replace newer columns with older ones. A crash between the two writes heals at the replay: the
 * partial is written again (equal fence), or refused and the item re-read, and the columns derived
 * again. BatchWriteItem takes no conditions, and dynalite has no transactions: two conditional
 * UpdateItems per item and shard that changed.
 */
export async function writeMerged(db: DynamoDBClient, config: DynamoSinkConfig, sinkName: string, batch: ColumnBatch, merge: PartialMerge): Promise<MergeResult> {
  const col = (name: string) => {
    const i = batch.fieldIndex(name);
    if (i < 0) {
      throw invalidOption(
        `sink ${sinkName} keyColumns`,
        config.keyColumns,
        `the query's rows have no column ${JSON.stringify(name)} (columns: ${batch.fields.filter((f) => !INTERNAL.has(f.name)).map((f) => f.name).join(', ')}); set keyColumns to columns the query returns`,
      );
    }
    return i;
  };
  const keyIdx = config.keyColumns.map(col);
  const [partIdx, fenceIdx, partialIdx] = ['__part', '__fence', '__partial'].map(col) as [number, number, number];
  const items = new Map<string, { keyValues: Record<string, AttributeValue>; partials: { shard: string; fence: string; partial: string }[] }>();
  const keyMarshal = keyIdx.map((i) => columnMarshaller(batch.fields[i]!, batch.columns[i]!));
  for (let k = 0; k < batch.length; k++) {
    const p = batch.physical(k);
    let key = '';
    const keyValues: Record<string, AttributeValue> = {};
    for (let j = 0; j < keyIdx.length; j++) {
      const v = batch.value(keyIdx[j]!, k);
      if (v === undefined || v === null || v === '') {
        throw invalidOption(`sink ${sinkName} keyColumns`, config.keyColumns, `column ${JSON.stringify(config.keyColumns[j])} is empty in a row; key the items by columns that always have a value`);
      }
      key += (j > 0 ? '#' : '') + (v instanceof Date ? v.toISOString() : String(v));
      keyValues[config.keyColumns[j]!] = keyMarshal[j]!(p);
    }
    let item = items.get(key);
    if (!item) items.set(key, (item = { keyValues, partials: [] }));
    item.partials.push({ shard: String(batch.value(partIdx, k)), fence: String(batch.value(fenceIdx, k)), partial: String(batch.value(partialIdx, k)) });
  }
  const keys = [...items.keys()];
  let refused = 0;
  let calls = 0;
  const table = config.table;
  const Key = (key: string) => ({ [config.keyAttribute]: { S: key } });
  const send = <T>(op: string, f: () => Promise<T>) =>
    retry(() => {
      calls++;
      return awsCall(op, f);
    }, { retries: 10 });

  // 1. Each shard's partial, fenced; the item as it stands after the last one.
  const stored = new Map<string, Record<string, AttributeValue>>();
  await pool(keys, config.concurrency, async (key) => {
    const item = items.get(key)!;
    let latest: Record<string, AttributeValue> | undefined;
    for (const part of item.partials) {
      const names: Record<string, string> = { '#p': `${PARTIAL_PREFIX}${part.shard}`, '#f': 'f', '#r': REV };
      const values: Record<string, AttributeValue> = { ':p': { M: { f: { S: part.fence }, p: { S: part.partial } } }, ':f': { S: part.fence }, ':one': { N: '1' } };
      let set = 'SET #p = :p';
      Object.entries(item.keyValues).forEach(([name, v], j) => {
        if (name === config.keyAttribute) return;
        names[`#k${j}`] = name;
        values[`:k${j}`] = v;
        set += `, #k${j} = :k${j}`;
      });
      try {
        const r = await send('UpdateItem', () =>
          db.send(
            new UpdateItemCommand({
              TableName: table,
              Key: Key(key),
              UpdateExpression: `${set} ADD #r :one`,
              ConditionExpression: 'attribute_not_exists(#p) OR #p.#f <= :f',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        latest = r.Attributes;
      } catch (error) {
        if (awsErrorCode(error) !== 'ConditionalCheckFailedException') throw classifyAwsError(error, `UpdateItem on ${table}`);
        refused++;
      }
    }
    // Every partial refused: derive from the item as stored (heals a crash between the two writes).
    latest ??= (await send('GetItem', () => db.send(new GetItemCommand({ TableName: table, Key: Key(key), ConsistentRead: true })))).Item;
    if (latest) stored.set(key, latest);
  });

  // 2. The user's columns from every shard's partial, for all items at once.
  const derivable = keys.filter((k) => stored.has(k));
  const partialsOf = (item: Record<string, AttributeValue>) =>
    Object.keys(item)
      .filter((a) => a.startsWith(PARTIAL_PREFIX))
      .sort()
      .map((a) => item[a]!.M?.p?.S ?? '');
  const derived = await merge.derive(derivable.map((k) => partialsOf(stored.get(k)!)));
  const keepIdx = derived.fieldIndex('__keep');
  const shown = derived.fields.map((f, i) => ({ name: f.name, i })).filter((f) => !INTERNAL.has(f.name) && f.name !== config.keyAttribute && f.name !== REV && f.name !== SHOWN_REV && !f.name.startsWith(PARTIAL_PREFIX));
  const marshal = shown.map((f) => columnMarshaller(derived.fields[f.i]!, derived.columns[f.i]!));

  // 3. Shown only if derived from a newer revision than the one shown.
  let written = 0;
  await pool(
    derivable.map((key, row) => ({ key, row })),
    config.concurrency,
    async ({ key, row }) => {
      const rev = stored.get(key)![REV]?.N ?? '0';
      const keep = keepIdx < 0 || derived.value(keepIdx, row) === true;
      const names: Record<string, string> = { '#sr': SHOWN_REV };
      const values: Record<string, AttributeValue> = { ':rev': { N: rev } };
      const sets: string[] = ['#sr = :rev'];
      const removes: string[] = [];
      const p = derived.physical(row);
      shown.forEach((f, j) => {
        if (keep) {
          names[`#v${j}`] = f.name;
          values[`:v${j}`] = marshal[j]!(p);
          sets.push(`#v${j} = :v${j}`);
        } else if (!config.keyColumns.includes(f.name)) {
          names[`#v${j}`] = f.name;
          removes.push(`#v${j}`);
        }
      });
      try {
        await send('UpdateItem', () =>
          db.send(
            new UpdateItemCommand({
              TableName: table,
              Key: Key(key),
              UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
              ConditionExpression: 'attribute_not_exists(#sr) OR #sr < :rev',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        );
        written++;
      } catch (error) {
        // A newer revision is shown already (another worker wrote after us): nothing to do.
        if (awsErrorCode(error) !== 'ConditionalCheckFailedException') throw classifyAwsError(error, `UpdateItem on ${table}`);
      }
    },
  );
  return { written, refused, calls };
}

/** Runs `f` over `items`, at most `n` at once. */
async function pool<T>(items: readonly T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
