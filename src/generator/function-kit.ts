import type { Faker } from '@faker-js/faker';

/**
 * The building blocks of the template-function table (`functions.ts`): the contract every
 * function implements and the argument checks they share. Arguments are validated once, at
 * compile time; the returned thunk only renders.
 */
export interface FunctionContext {
  readonly faker: Faker;
  /** Epoch milliseconds; `date.*` reads it on every render (the simulated clock in simulation mode). */
  readonly now: () => number;
}

export type ValueThunk = () => string;

export interface TemplateFunction {
  /** How to call it, shown in docs and in error messages. */
  readonly usage: string;
  /** The faker v10 API (or library) it maps to. */
  readonly mapsTo: string;
  /**
   * KDG passes the argument text through `JSON.parse` and, when that fails, as a plain string:
   * `{{date.now(YYYY-MM-DD)}}` works there. Functions whose argument is a string accept that too.
   */
  readonly rawString?: boolean;
  readonly compile: (args: readonly unknown[], ctx: FunctionContext) => ValueThunk;
}

/** Thrown for bad arguments; the template compiler adds the placeholder and its position. */
export class TemplateArgumentError extends Error {}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function expectArity(args: readonly unknown[], max: number): void {
  if (args.length > max) {
    throw new TemplateArgumentError(`takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max > 1 ? 's' : ''}`}, got ${args.length}`);
  }
}

export function expectCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new TemplateArgumentError(`expected a whole number from 0 to 10000, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function expectPositive(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TemplateArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TemplateArgumentError(`expected ${what} as a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Objects and arrays render as JSON (KDG would print `[object Object]`); everything else as text. */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** A function of no arguments. */
export function plain(mapsTo: string, usage: string, fn: (f: Faker, ctx: FunctionContext) => unknown): TemplateFunction {
  return {
    usage,
    mapsTo,
    compile(args, ctx) {
      expectArity(args, 0);
      return () => asText(fn(ctx.faker, ctx));
    },
  };
}

/** A function with one optional whole-number argument (a count or a length). */
export function counted(mapsTo: string, usage: string, fn: (f: Faker, n: number | undefined) => unknown): TemplateFunction {
  return {
    usage,
    mapsTo,
    compile(args, { faker }) {
      expectArity(args, 1);
      const n = args.length === 0 ? undefined : expectCount(args[0]);
      return () => asText(fn(faker, n));
    },
  };
}

/** A function with one optional string argument (a format, a text). */
export function stringArg(mapsTo: string, usage: string, fn: (f: Faker, s: string | undefined) => unknown): TemplateFunction {
  return {
    usage,
    mapsTo,
    rawString: true,
    compile(args, { faker }) {
      expectArity(args, 1);
      const s = args.length === 0 ? undefined : expectString(args[0], 'a text');
      return () => asText(fn(faker, s));
    },
  };
}

/** A function with one required non-empty JSON array argument. */
export function arrayArg(mapsTo: string, usage: string, fn: (f: Faker, values: string[]) => unknown): TemplateFunction {
  return {
    usage,
    mapsTo,
    compile(args, { faker }) {
      expectArity(args, 1);
      const arr = args[0];
      if (!Array.isArray(arr) || arr.length === 0) throw new TemplateArgumentError(`expected a non-empty JSON array, got ${JSON.stringify(arr)}`);
      const values = arr.map(asText);
      return () => asText(fn(faker, values));
    },
  };
}

function decimalsOf(precision: number): number {
  const [mantissa, exponent] = precision.toExponential().split('e');
  const fraction = (mantissa?.split('.')[1] ?? '').length;
  return Math.max(0, fraction - Number(exponent));
}

/** faker v3 `random.number` / `datatype.number` / `datatype.float`: a max, or `{min, max, precision}`. */
export function numberFunction(name: string, defaultPrecision: number): TemplateFunction {
  const usage = `${name}(max) or ${name}({"min":10,"max":550,"precision":0.01}) (all keys optional; min defaults to 0, max to 99999)`;
  return {
    usage,
    mapsTo: defaultPrecision === 1 ? 'faker.number.int (faker.number.float when precision < 1)' : 'faker.number.float({ multipleOf })',
    compile(args, { faker }) {
      expectArity(args, 1);
      let min = 0;
      let max = 99999;
      let precision = defaultPrecision;
      const arg = args[0];
      if (typeof arg === 'number') max = arg;
      else if (isRecord(arg)) {
        for (const [key, value] of Object.entries(arg)) {
          if (key !== 'min' && key !== 'max' && key !== 'precision') throw new TemplateArgumentError(`unknown key "${key}"`);
          if (typeof value !== 'number' || !Number.isFinite(value)) throw new TemplateArgumentError(`"${key}" must be a number, got ${JSON.stringify(value)}`);
        }
        min = (arg.min as number | undefined) ?? min;
        max = (arg.max as number | undefined) ?? max;
        precision = arg.precision === undefined ? precision : expectPositive(arg.precision);
      } else if (arg !== undefined) {
        throw new TemplateArgumentError(`expected a number or an object, got ${JSON.stringify(arg)}`);
      }
      if (!Number.isFinite(max) || min > max) throw new TemplateArgumentError(`min (${min}) must not exceed max (${max})`);
      if (Math.ceil(min / precision) > Math.floor(max / precision)) throw new TemplateArgumentError(`no multiple of ${precision} lies in [${min}, ${max}]`);
      if (precision >= 1 && Number.isInteger(precision)) {
        const lo = Math.ceil(min / precision);
        const hi = Math.floor(max / precision);
        return () => String(faker.number.int({ min: lo, max: hi }) * precision);
      }
      const digits = decimalsOf(precision);
      return () => String(Number(faker.number.float({ min, max, multipleOf: precision }).toFixed(digits)));
    },
  };
}

/** Every locale code faker knows, for `random.locale`. */
export function localeCodes(locales: Record<string, unknown>): string[] {
  return Object.keys(locales).filter((code) => code !== 'base');
}
