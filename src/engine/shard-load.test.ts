import { describe, expect, it } from 'vitest';
import { EngineEventBus } from './events.js';
import { ShardLoadMeter } from './shard-load.js';

describe('ShardLoadMeter', () => {
  it('converges on each shard\'s records per second, and decays a shard that went quiet', () => {
    let now = 0;
    const events = new EngineEventBus();
    const meter = new ShardLoadMeter(events, 5000, () => now);
    meter.observe({});
    for (let i = 0; i < 60; i++) {
      now += 1000;
      meter.observe({ hot: { records: 200 }, cold: { records: i < 30 ? 10 : 0 } });
    }
    expect(meter.loadOf('hot')).toBeCloseTo(200, 0);
    expect(meter.loadOf('cold')).toBeLessThan(0.3);
    expect(meter.loadOf('unknown')).toBe(0);
  });
});
