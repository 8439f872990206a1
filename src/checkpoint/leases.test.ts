import { describe, expect, it } from 'vitest';
import { LeaseCoordinator } from './leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from './memory-lease-store.js';
import { SHARD_END } from './store.js';

describe('LeaseCoordinator', () => {
  it('gives up the lease of a shard read to its end, so no stopped worker stays its owner', async () => {
    const table = new MemoryLeaseTable('s');
    const a = new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', scanEvery: 1 });
    await a.round(['parent', 'child']);
    expect(table.items.get('parent')?.owner).toBe('wa');
    table.setCheckpoint('parent', SHARD_END);
    await a.round(['parent', 'child']);
    expect(table.items.get('parent')?.owner).toBeUndefined();
    expect([...a.owned()]).toEqual(['child']);
  });

  it('spreads 10 shards over 3 workers 4/3/3, each stealing only while the busiest holds two more', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const shards = Array.from({ length: 10 }, (_, i) => `shard-${i}`);
    const fleet = ['wa', 'wb', 'wc'].map((id) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, scanEvery: 1, now: () => now }));
    for (let r = 0; r < 12; r++) {
      for (const c of fleet) await c.round(shards);
      now += 1000;
    }
    expect(fleet.map((c) => c.owned().size).sort()).toEqual([3, 3, 4]);
    expect(new Set(fleet.flatMap((c) => [...c.owned()])).size).toBe(10);
  });
});

describe('LeaseCoordinator handoff on a clean stop', () => {
  const fleetOf = (table: MemoryLeaseTable, ids: string[], clock: () => number, extra: Partial<ConstructorParameters<typeof LeaseCoordinator>[0]> = {}) =>
    ids.map((id) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 3, now: clock, ...extra }));

  it('hands each lease to the least loaded live worker, which takes it at its very next round (no Scan wait)', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const shards = ['s0', 's1', 's2', 's3'];
    const [a, b, c] = fleetOf(table, ['wa', 'wb', 'wc'], () => now, { balance: 'count' });
    for (let r = 0; r < 10; r++) {
      for (const w of [a!, b!, c!]) await w.round(shards);
      now += 1000;
    }
    const held = [...a!.owned()];
    expect(held.length).toBeGreaterThan(0);
    const handed = await a!.handoff();
    expect(handed.map((h) => h.shardId).sort()).toEqual(held.sort());
    expect(handed.every((h) => h.to === 'wb' || h.to === 'wc')).toBe(true);
    expect(table.workers.has('wa')).toBe(false); // its item is gone with it
    // The very next round of each target, even one that does not scan on schedule, holds them.
    for (const w of [b!, c!]) await w.round(shards);
    for (const h of handed) {
      const target = h.to === 'wb' ? b! : c!;
      expect(target.owned().has(h.shardId)).toBe(true);
      expect(target.gained().has(h.shardId)).toBe(true); // read again from the stored checkpoint
    }
    expect(new Set([...b!.owned(), ...c!.owned()]).size).toBe(4);
    expect(table.workers.get('wb')?.inbox.size).toBe(0);
  });

  it('releases instead when no other worker is alive, and skips a worker that is stopping too', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const [a, b] = fleetOf(table, ['wa', 'wb'], () => now, { balance: 'count' });
    for (let r = 0; r < 6; r++) {
      for (const w of [a!, b!]) await w.round(['s0', 's1']);
      now += 1000;
    }
    await new MemoryLeaseStore(table).markStopping('wb');
    const handed = await a!.handoff();
    expect(handed).toEqual([...handed].map((h) => ({ shardId: h.shardId, to: undefined })));
    expect(handed.length).toBe(1);
    expect(table.items.get(handed[0]!.shardId)?.owner).toBeUndefined();

    // wb's heartbeat stopped for a failover time: it is gone, and wa (running again) releases to nobody.
    const solo = new MemoryLeaseTable('s');
    const [x, y] = fleetOf(solo, ['wx', 'wy'], () => now, { balance: 'count' });
    for (let r = 0; r < 6; r++) {
      for (const w of [x!, y!]) await w.round(['s0', 's1']);
      now += 1000;
    }
    for (let r = 0; r < 6; r++) {
      await x!.round(['s0', 's1']);
      now += 1000;
    }
    const released = await x!.handoff();
    expect(released.every((h) => h.to === undefined)).toBe(true);
    expect(released.length).toBe(2);
  });

  it('takes a lease back from a target that stopped between the Scan and the notice, and hands it to the next one', async () => {
    const now = 0;
    const table = new MemoryLeaseTable('s');
    const [, b, c] = fleetOf(table, ['wa', 'wb', 'wc'], () => now, { balance: 'count' });
    /** wb starts stopping right after wa's Scan: wa's notice to wb is refused. */
    class Racing extends MemoryLeaseStore {
      override async notify(to: string, shardIds: readonly string[]): Promise<boolean> {
        if (to === 'wb') await new MemoryLeaseStore(table).markStopping('wb');
        return super.notify(to, shardIds);
      }
    }
    const a = new LeaseCoordinator({ store: new Racing(table), streamName: 's', workerId: 'wa', failoverMs: 3000, scanEvery: 3, balance: 'count', now: () => now });
    await a.round(['s0']);
    for (const w of [b!, c!]) await w.round(['s0']);
    expect([...a.owned()]).toEqual(['s0']);
    const handed = await a.handoff();
    expect(handed).toEqual([{ shardId: 's0', to: 'wc' }]);
    expect(table.items.get('s0')?.owner).toBe('wc');
    await c!.round(['s0']);
    expect([...c!.gained()]).toEqual(['s0']);
  });

  it('list() (the shards) skips the workers\' items', async () => {
    const table = new MemoryLeaseTable('s');
    const [a] = fleetOf(table, ['wa'], () => 0);
    await a!.round(['s0']);
    expect(table.workers.has('wa')).toBe(true);
    expect((await a!.read()).map((l) => l.shardId)).toEqual(['s0']);
  });
});

describe('LeaseCoordinator balance by load', () => {
  /** 16 shards, 4 of them hot (100 records/s), the rest at 5; 4 workers joining one after another. */
  async function run(balance: 'count' | 'load', rounds: number) {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const shards = Array.from({ length: 16 }, (_, i) => `shard-${String(i).padStart(2, '0')}`);
    const load = (s: string) => (Number(s.slice(-2)) < 4 ? 100 : 5);
    const fleet = ['wa', 'wb', 'wc', 'wd'].map((id) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 1, balance, loadOf: load, now: () => now }));
    const movesAt: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = fleet.reduce((n, c) => n + c.steals, 0);
      for (const [i, c] of fleet.entries()) if (r >= i * 3) await c.round(shards);
      if (fleet.reduce((n, c) => n + c.steals, 0) > before) movesAt.push(r);
      now += 1000;
    }
    const loads = fleet.map((c) => [...c.owned()].reduce((n, s) => n + load(s), 0));
    return { loads, movesAt, owned: new Set(fleet.flatMap((c) => [...c.owned()])).size };
  }

  it('ends with no worker above the average load by more than the margin, and then moves nothing (no flapping)', async () => {
    const byCount = await run('count', 60);
    const byLoad = await run('load', 60);
    const average = (100 * 4 + 5 * 12) / 4;
    expect(byLoad.owned).toBe(16);
    expect(Math.max(...byLoad.loads)).toBeLessThanOrEqual(average * 1.2);
    expect(Math.max(...byLoad.loads)).toBeLessThan(Math.max(...byCount.loads));
    expect(byLoad.movesAt.filter((r) => r >= 40)).toEqual([]);
  });

  it('waits `loadPatience` scans before moving a lease for load, unless far below the average (a worker that just joined)', async () => {
    const now = 0;
    const table = new MemoryLeaseTable('s');
    const loads: Record<string, number> = { s0: 100, s1: 100, s2: 45, s3: 45 };
    const load = (s: string) => loads[s]!;
    const shards = ['s0', 's1', 's2', 's3'];
    const coordinator = (id: string) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 1, loadOf: load, loadPatience: 3, now: () => now });
    const a = coordinator('wa');
    await a.round(shards);
    await a.round(shards); // publishes 100, 100, 45, 45
    // wb joins holding nothing (0, far below the average 145): it asks at its first Scan, wa hands
    // the lease over at its next round, and wb takes it at its own next round.
    const b = coordinator('wb');
    await b.round(shards);
    expect(b.owned().size).toBe(0);
    expect(table.workers.get('wa')?.asks).toEqual(new Set(['s0 wb 0 0'])); // 100 leaves the pair 190 / 100: the most even
    await a.round(shards);
    await b.round(shards);
    expect([...b.owned()]).toEqual(['s0']);
    expect(b.steals).toBe(0);
    // Now 190 / 100 (average 145): wb is below by more than the margin, not by twice: it waits 3 Scans
    // (the one that took s0 saw the need first).
    loads.s0 = 90; // wb's share is 90: 200 / 90
    await a.round(shards);
    await b.round(shards);
    expect(table.workers.get('wa')?.asks.size).toBe(0);
    await b.round(shards);
    expect(table.workers.get('wa')?.asks).toEqual(new Set(['s2 wb 1 90']));
    await a.round(shards);
    await b.round(shards);
    expect([...b.owned()].sort()).toEqual(['s0', 's2']);
  });
});

describe('LeaseCoordinator liveness by heartbeat', () => {
  const coordinators = (table: MemoryLeaseTable, ids: string[], clock: () => number, extra: Partial<ConstructorParameters<typeof LeaseCoordinator>[0]> = {}) =>
    ids.map((id) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 3, balance: 'count', now: clock, ...extra }));
  const shards = Array.from({ length: 8 }, (_, i) => `s${i}`);

  it('an idle worker writes one heartbeat a round and no lease, and keeps its leases for as long as it beats', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const store = new MemoryLeaseStore(table);
    const a = new LeaseCoordinator({ store, streamName: 's', workerId: 'wa', failoverMs: 3000, scanEvery: 3, loadOf: () => 0, now: () => now });
    const [b] = coordinators(table, ['wb'], () => now);
    await a.round(shards);
    expect(a.owned().size).toBe(8);
    // wb joins and takes its even share by stealing (telling wa each time).
    for (let r = 0; r < 12; r++) {
      now += 1000;
      await a.round(shards);
      await b!.round(shards);
    }
    expect(a.owned().size).toBe(4);
    expect(new Set([...a.owned(), ...b!.owned()]).size).toBe(8);
    const before = store.usage().writeUnits;
    const counters = shards.map((s) => table.items.get(s)!.counter);
    // 30 rounds a third of the failover apart (ten failover times), with wb scanning all along.
    for (let r = 0; r < 30; r++) {
      now += 1000;
      await a.round(shards);
      await b!.round(shards);
    }
    expect(store.usage().writeUnits - before).toBe(30); // the heartbeats
    expect(shards.map((s) => table.items.get(s)!.counter)).toEqual(counters); // no lease written
    expect(a.owned().size).toBe(4);
  });

  it('takes over the leases of a worker whose heartbeat stood still for a failover time; that worker finds them gone at its next round', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const [a, b] = coordinators(table, ['wa', 'wb'], () => now);
    await a!.round(shards);
    await b!.round(shards); // wa holds 8, wb steals one
    now += 1000;
    await a!.round(shards); // wa hears of the steal
    expect(a!.owned().size).toBe(7);
    // wa stops beating (SIGSTOP) while wb goes on.
    for (let r = 0; r < 6; r++) {
      now += 1000;
      await b!.round(shards);
    }
    expect(b!.owned().size).toBe(8);
    now += 1000;
    await a!.round(shards); // a break of 7 s: its leases are checked, not assumed
    // None kept: what it holds now (a steal back for balance) it took afresh, from the checkpoint.
    expect(a!.owned().size).toBeLessThanOrEqual(1);
    expect([...a!.owned()].every((s) => a!.gained().has(s))).toBe(true);
  });

  it('a worker back from a break renews before it trusts its leases, so a taker acting on what it saw before fails', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    let race: (() => Promise<unknown>) | undefined;
    /** wa's first round after its break runs between wb's Scan and wb's take. */
    class Racing extends MemoryLeaseStore {
      override async take(shardId: string, owner: string, seenCounter: number): Promise<boolean> {
        const r = race;
        race = undefined;
        if (r) await r();
        return super.take(shardId, owner, seenCounter);
      }
    }
    const a = new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', failoverMs: 3000, scanEvery: 1, balance: 'count', now: () => now });
    const b = new LeaseCoordinator({ store: new Racing(table), streamName: 's', workerId: 'wb', failoverMs: 3000, scanEvery: 1, balance: 'count', now: () => now });
    await a.round(['s0']);
    await b.round(['s0']); // one lease, held by wa: nothing to steal
    expect([...a.owned()]).toEqual(['s0']);
    now += 4000; // wa silent for more than a failover time
    race = () => a.round(['s0']);
    await b.round(['s0']); // sees wa's heartbeat and lease standing still: takes, but wa renewed first
    expect([...a.owned()]).toEqual(['s0']);
    expect(b.owned().size).toBe(0);
    expect(table.items.get('s0')?.owner).toBe('wa');
  });
});

describe('LeaseCoordinator moves for balance by asking', () => {
  it('asks the owner, which hands the lease over when its caller says so; an owner that does not answer two asks, a failover time apart, has it taken', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const shards = ['s0', 's1', 's2', 's3'];
    const make = (id: string) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 1, balance: 'count', asks: 'caller', now: () => now });
    const a = make('wa');
    await a.round(shards);
    const b = make('wb');
    await b.round(shards); // asks wa for one of its four
    const [ask] = [...table.workers.get('wa')!.asks];
    const [first] = ask!.split(' ');
    now += 1000;
    await a.round(shards);
    expect([...a.asked().values()].map((x) => [x.shardId, x.to])).toEqual([[first, 'wb']]);
    expect(a.owned().has(first!)).toBe(true); // not handed until its caller says so (between two batches)
    expect(await a.handOverAsked()).toEqual([{ shardId: first, to: 'wb' }]);
    expect(a.owned().has(first!)).toBe(false);
    await b.round(shards);
    expect([...b.owned()]).toEqual([first]);
    expect([...b.gained()]).toEqual([first]); // read on from the checkpoint wa wrote before handing it
    // The same Scan asked for a second one (2 leases to wb's 1). It is never handed over (wa's caller
    // does not call): wb asks again a failover time later, and takes it a failover time after that.
    const second = [...table.workers.get('wa')!.asks][0]!.split(' ')[0]!;
    expect(second).not.toBe(first);
    const reasked: boolean[] = [];
    for (let t = 0; t < 5; t++) {
      now += 1000;
      await a.round(shards); // reads (and clears) its asks
      await b.round(shards);
      reasked.push(table.workers.get('wa')!.asks.size > 0);
      expect(b.owned().has(second)).toBe(false);
    }
    expect(reasked).toEqual([false, false, true, false, false]);
    now += 1000; // two failover times since the first ask
    await b.round(shards);
    expect(b.owned().has(second)).toBe(true);
    expect(b.steals).toBe(1);
    await a.round(shards); // told by wb: not wa's any more
    expect(a.owned().has(second)).toBe(false);
    expect(a.owned().size).toBe(2);
  });
});
