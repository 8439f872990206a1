import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { invalidOption, SluiceError } from '../errors.js';
import type { PeriodicCurve } from './rate-plan.js';

/**
 * Reads a periodic rate curve (KDG's "Periodic" tab as a file), YAML or JSON:
 *
 * ```yaml
 * mu: [5, 3, 2, 2, 3, 8, 20, 45, 60, 55, 50, 50, 52, 50, 48, 50, 55, 70, 80, 60, 40, 25, 12, 8]
 * sigma: 2            # a number, 24 numbers, or per weekday like mu
 * smoothing: true     # linear between hours (default false)
 * zone: local         # local (as KDG) or utc
 * # per weekday: mu: { default: [...24], sat: [...24], sun: 10 }
 * ```
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

type Grid = number[][];

function hours(value: unknown, field: string): number[] {
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) throw invalidOption(field, value, 'use a number of records per second >= 0');
    return Array.from({ length: 24 }, () => value);
  }
  if (Array.isArray(value) && value.length === 24 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return value as number[];
  throw invalidOption(field, value, 'use one number, or a list of 24 numbers >= 0 (hour 0 to 23)');
}

function grid(value: unknown, field: string, fallback: number): Grid {
  if (value === undefined) return WEEKDAYS.map(() => hours(fallback, field));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (key !== 'default' && !(WEEKDAYS as readonly string[]).includes(key)) throw invalidOption(`${field}.${key}`, key, `use default or a weekday: ${WEEKDAYS.join(', ')}`);
    }
    const base = o.default === undefined ? undefined : hours(o.default, `${field}.default`);
    return WEEKDAYS.map((day) => {
      if (o[day] !== undefined) return hours(o[day], `${field}.${day}`);
      if (base) return base;
      throw invalidOption(`${field}.${day}`, undefined, `give ${field}.${day} or ${field}.default`);
    });
  }
  const h = hours(value, field);
  return WEEKDAYS.map(() => h);
}

/** Validates a curve object; errors name the field (`mu.sat`, `sigma`, ...) and the fix. */
export function parsePeriodicCurve(input: unknown, where = 'rate curve'): PeriodicCurve {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidOption(where, input, 'write an object with mu (and optionally sigma, smoothing, zone)');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['mu', 'sigma', 'smoothing', 'zone'].includes(key)) throw invalidOption(`${where}: ${key}`, o[key], 'the keys are mu, sigma, smoothing and zone');
  }
  if (o.mu === undefined) throw invalidOption(`${where}: mu`, undefined, 'give the mean records per second: a number, 24 numbers, or per weekday');
  if (o.smoothing !== undefined && typeof o.smoothing !== 'boolean') throw invalidOption(`${where}: smoothing`, o.smoothing, 'use true or false');
  if (o.zone !== undefined && o.zone !== 'local' && o.zone !== 'utc') throw invalidOption(`${where}: zone`, o.zone, 'use local or utc');
  const mu = grid(o.mu, `${where}: mu`, 0);
  if (mu.every((day) => day.every((v) => v === 0))) throw invalidOption(`${where}: mu`, o.mu, 'at least one hour needs a positive rate');
  return { mu, sigma: grid(o.sigma, `${where}: sigma`, 0), smoothing: o.smoothing === true, zone: (o.zone as 'local' | 'utc' | undefined) ?? 'local' };
}

/** Reads and validates a curve file. */
export function loadPeriodicCurve(path: string): PeriodicCurve {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SluiceError(`Cannot read the rate curve ${path}: ${(cause as Error).message}. Fix: give an existing YAML or JSON file`, { domain: 'user', code: 'InvalidOption', cause });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new SluiceError(`Invalid rate curve ${path}: ${(cause as Error).message}. Fix: write YAML or JSON`, { domain: 'user', code: 'InvalidOption', cause });
  }
  return parsePeriodicCurve(data, path);
}
