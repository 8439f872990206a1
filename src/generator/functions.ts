import type { Faker } from '@faker-js/faker';
import { compileMomentFormat, DateFormatError, DEFAULT_MOMENT_FORMAT, type DateZone } from './moment-format.js';

/**
 * The template functions: Kinesis Data Generator names (faker v4) mapped explicitly onto faker v10.
 * Each entry validates its arguments once, at compile time, and returns a thunk that renders a value.
 */
export interface FunctionContext {
  readonly faker: Faker;
  /** Epoch milliseconds; `date.*` reads it on every render. */
  readonly now: () => number;
}

export type ValueThunk = () => string;

export interface TemplateFunction {
  /** How to call it, shown in docs and in error messages. */
  readonly usage: string;
  /** The faker v10 API it maps to. */
  readonly mapsTo: string;
  readonly compile: (args: readonly unknown[], ctx: FunctionContext) => ValueThunk;
}

/** Thrown for bad arguments; the template compiler adds the placeholder and its position. */
export class TemplateArgumentError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function expectArity(args: readonly unknown[], max: number): void {
  if (args.length > max) {
    throw new TemplateArgumentError(`takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max > 1 ? 's' : ''}`}, got ${args.length}`);
  }
}

function expectCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new TemplateArgumentError(`expected a whole number from 0 to 10000, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectPositive(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TemplateArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A function of no arguments. */
function plain(mapsTo: string, usage: string, fn: (f: Faker) => string | number | boolean): TemplateFunction {
  return {
    usage,
    mapsTo,
    compile(args, { faker }) {
      expectArity(args, 0);
      return () => String(fn(faker));
    },
  };
}

/** A function with one optional whole-number argument (a count or a length). */
function counted(mapsTo: string, usage: string, fn: (f: Faker, n: number | undefined) => string): TemplateFunction {
  return {
    usage,
    mapsTo,
    compile(args, { faker }) {
      expectArity(args, 1);
      const n = args.length === 0 ? undefined : expectCount(args[0]);
      return () => fn(faker, n);
    },
  };
}

function decimalsOf(precision: number): number {
  const [mantissa, exponent] = precision.toExponential().split('e');
  const fraction = (mantissa?.split('.')[1] ?? '').length;
  return Math.max(0, fraction - Number(exponent));
}

/** faker v4 `random.number` / `datatype.number` / `datatype.float`: a max, or `{min, max, precision}`. */
function numberFunction(name: string, defaultPrecision: number): TemplateFunction {
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
          if (key !== 'min' && key !== 'max' && key !== 'precision') {
            throw new TemplateArgumentError(`unknown key "${key}"`);
          }
          if (typeof value !== 'number' || !Number.isFinite(value)) {
            throw new TemplateArgumentError(`"${key}" must be a number, got ${JSON.stringify(value)}`);
          }
        }
        min = (arg.min as number | undefined) ?? min;
        max = (arg.max as number | undefined) ?? max;
        precision = arg.precision === undefined ? precision : expectPositive(arg.precision);
      } else if (arg !== undefined) {
        throw new TemplateArgumentError(`expected a number or an object, got ${JSON.stringify(arg)}`);
      }
      if (!Number.isFinite(max) || min > max) {
        throw new TemplateArgumentError(`min (${min}) must not exceed max (${max})`);
      }
      if (precision >= 1 && Number.isInteger(precision)) {
        const lo = Math.ceil(min / precision);
        const hi = Math.floor(max / precision);
        if (lo > hi) throw new TemplateArgumentError(`no multiple of ${precision} lies in [${min}, ${max}]`);
        return () => String(faker.number.int({ min: lo, max: hi }) * precision);
      }
      const digits = decimalsOf(precision);
      if (Math.ceil(min / precision) > Math.floor(max / precision)) {
        throw new TemplateArgumentError(`no multiple of ${precision} lies in [${min}, ${max}]`);
      }
      return () => String(Number(faker.number.float({ min, max, multipleOf: precision }).toFixed(digits)));
    },
  };
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const arrayElement: TemplateFunction = {
  usage: 'random.arrayElement(["OK","FAIL","WARN"])',
  mapsTo: 'faker.helpers.arrayElement',
  compile(args, { faker }) {
    expectArity(args, 1);
    const arr = args[0];
    if (!Array.isArray(arr) || arr.length === 0) {
      throw new TemplateArgumentError(`expected a non-empty JSON array, got ${JSON.stringify(arr)}`);
    }
    const values = arr.map(asText);
    return () => faker.helpers.arrayElement(values);
  },
};

const weightedArrayElement: TemplateFunction = {
  usage: 'random.weightedArrayElement({"weights":[0.9,0.1],"data":["OK","FAIL"]})',
  mapsTo: 'faker.helpers.weightedArrayElement',
  compile(args, { faker }) {
    expectArity(args, 1);
    const arg = args[0];
    const weights = isRecord(arg) ? arg.weights : undefined;
    const data = isRecord(arg) ? arg.data : undefined;
    if (!Array.isArray(weights) || !Array.isArray(data) || data.length === 0 || weights.length !== data.length) {
      throw new TemplateArgumentError(`expected an object with "weights" and "data" arrays of the same non-zero length`);
    }
    const entries = data.map((value, i) => ({ weight: expectPositive(weights[i]), value: asText(value) }));
    return () => faker.helpers.weightedArrayElement(entries);
  },
};

function dateNow(name: string, zone: DateZone): TemplateFunction {
  const usage = `${name}("YYYY-MM-DD HH:mm:ss") (moment-style format; default ${DEFAULT_MOMENT_FORMAT})`;
  return {
    usage,
    mapsTo: `the clock, formatted in ${zone === 'utc' ? 'UTC' : 'local time'} (no faker call)`,
    compile(args, { now }) {
      expectArity(args, 1);
      const format = args[0] ?? DEFAULT_MOMENT_FORMAT;
      if (typeof format !== 'string') throw new TemplateArgumentError(`expected a format string, got ${JSON.stringify(format)}`);
      try {
        const fmt = compileMomentFormat(format, zone);
        return () => fmt(now());
      } catch (error) {
        if (error instanceof DateFormatError) throw new TemplateArgumentError(error.message);
        throw error;
      }
    },
  };
}

/** faker v4 `date.past(years)` and friends: an ISO-8601 timestamp relative to the template's clock. */
function relativeDate(name: string, unit: 'years' | 'days', pick: (f: Faker, n: number | undefined, refDate: number) => Date): TemplateFunction {
  const usage = `${name}(${unit === 'years' ? 'years' : 'days'}) (optional; renders ISO-8601)`;
  return {
    usage,
    mapsTo: `faker.${name}({ ${unit}, refDate })`,
    compile(args, { faker, now }) {
      expectArity(args, 1);
      const n = args.length === 0 ? undefined : expectPositive(args[0]);
      return () => pick(faker, n, now()).toISOString();
    },
  };
}

const entries: [string, TemplateFunction][] = [
  // name.* -> person.*
  ['name.firstName', plain('faker.person.firstName', 'name.firstName', (f) => f.person.firstName())],
  ['name.lastName', plain('faker.person.lastName', 'name.lastName', (f) => f.person.lastName())],
  ['name.middleName', plain('faker.person.middleName', 'name.middleName', (f) => f.person.middleName())],
  ['name.findName', plain('faker.person.fullName', 'name.findName', (f) => f.person.fullName())],
  ['name.fullName', plain('faker.person.fullName', 'name.fullName', (f) => f.person.fullName())],
  ['name.prefix', plain('faker.person.prefix', 'name.prefix', (f) => f.person.prefix())],
  ['name.suffix', plain('faker.person.suffix', 'name.suffix', (f) => f.person.suffix())],
  ['name.title', plain('faker.person.jobTitle', 'name.title', (f) => f.person.jobTitle())],
  ['name.jobTitle', plain('faker.person.jobTitle', 'name.jobTitle', (f) => f.person.jobTitle())],
  ['name.jobDescriptor', plain('faker.person.jobDescriptor', 'name.jobDescriptor', (f) => f.person.jobDescriptor())],
  ['name.jobArea', plain('faker.person.jobArea', 'name.jobArea', (f) => f.person.jobArea())],
  ['name.jobType', plain('faker.person.jobType', 'name.jobType', (f) => f.person.jobType())],
  ['name.gender', plain('faker.person.gender', 'name.gender', (f) => f.person.gender())],
  // random.* and datatype.*
  ['random.number', numberFunction('random.number', 1)],
  ['datatype.number', numberFunction('datatype.number', 1)],
  ['datatype.float', numberFunction('datatype.float', 0.01)],
  ['random.arrayElement', arrayElement],
  ['random.weightedArrayElement', weightedArrayElement],
  ['random.uuid', plain('faker.string.uuid', 'random.uuid', (f) => f.string.uuid())],
  ['datatype.uuid', plain('faker.string.uuid', 'datatype.uuid', (f) => f.string.uuid())],
  ['random.boolean', plain('faker.datatype.boolean', 'random.boolean', (f) => f.datatype.boolean())],
  ['datatype.boolean', plain('faker.datatype.boolean', 'datatype.boolean', (f) => f.datatype.boolean())],
  ['random.word', plain('faker.word.sample', 'random.word', (f) => f.word.sample())],
  ['random.words', counted('faker.word.words', 'random.words(3)', (f, n) => f.word.words(n ?? 3))],
  ['random.alphaNumeric', counted('faker.string.alphanumeric', 'random.alphaNumeric(8)', (f, n) => f.string.alphanumeric(n ?? 1))],
  // internet.*
  ['internet.ip', plain('faker.internet.ipv4', 'internet.ip', (f) => f.internet.ipv4())],
  ['internet.ipv6', plain('faker.internet.ipv6', 'internet.ipv6', (f) => f.internet.ipv6())],
  ['internet.email', plain('faker.internet.email', 'internet.email', (f) => f.internet.email())],
  ['internet.exampleEmail', plain('faker.internet.exampleEmail', 'internet.exampleEmail', (f) => f.internet.exampleEmail())],
  ['internet.userName', plain('faker.internet.username', 'internet.userName', (f) => f.internet.username())],
  ['internet.domainName', plain('faker.internet.domainName', 'internet.domainName', (f) => f.internet.domainName())],
  ['internet.domainWord', plain('faker.internet.domainWord', 'internet.domainWord', (f) => f.internet.domainWord())],
  ['internet.domainSuffix', plain('faker.internet.domainSuffix', 'internet.domainSuffix', (f) => f.internet.domainSuffix())],
  ['internet.url', plain('faker.internet.url', 'internet.url', (f) => f.internet.url())],
  ['internet.mac', plain('faker.internet.mac', 'internet.mac', (f) => f.internet.mac())],
  ['internet.userAgent', plain('faker.internet.userAgent', 'internet.userAgent', (f) => f.internet.userAgent())],
  ['internet.protocol', plain('faker.internet.protocol', 'internet.protocol', (f) => f.internet.protocol())],
  ['internet.httpMethod', plain('faker.internet.httpMethod', 'internet.httpMethod', (f) => f.internet.httpMethod())],
  ['internet.port', plain('faker.internet.port', 'internet.port', (f) => f.internet.port())],
  ['internet.color', plain('faker.color.rgb', 'internet.color', (f) => f.color.rgb())],
  ['internet.password', counted('faker.internet.password', 'internet.password(15)', (f, n) => f.internet.password({ length: n ?? 15 }))],
  // lorem.*
  ['lorem.word', plain('faker.lorem.word', 'lorem.word', (f) => f.lorem.word())],
  ['lorem.words', counted('faker.lorem.words', 'lorem.words(3)', (f, n) => f.lorem.words(n ?? 3))],
  ['lorem.sentence', counted('faker.lorem.sentence', 'lorem.sentence(8)', (f, n) => f.lorem.sentence(n))],
  ['lorem.sentences', counted('faker.lorem.sentences', 'lorem.sentences(3)', (f, n) => f.lorem.sentences(n))],
  ['lorem.paragraph', counted('faker.lorem.paragraph', 'lorem.paragraph(3)', (f, n) => f.lorem.paragraph(n))],
  ['lorem.paragraphs', counted('faker.lorem.paragraphs', 'lorem.paragraphs(3)', (f, n) => f.lorem.paragraphs(n))],
  ['lorem.lines', counted('faker.lorem.lines', 'lorem.lines(2)', (f, n) => f.lorem.lines(n))],
  ['lorem.slug', counted('faker.lorem.slug', 'lorem.slug(3)', (f, n) => f.lorem.slug(n))],
  ['lorem.text', plain('faker.lorem.text', 'lorem.text', (f) => f.lorem.text())],
  // date.*
  ['date.now', dateNow('date.now', 'local')],
  ['date.utc', dateNow('date.utc', 'utc')],
  ['date.past', relativeDate('date.past', 'years', (f, n, refDate) => f.date.past({ years: n, refDate }))],
  ['date.future', relativeDate('date.future', 'years', (f, n, refDate) => f.date.future({ years: n, refDate }))],
  ['date.recent', relativeDate('date.recent', 'days', (f, n, refDate) => f.date.recent({ days: n, refDate }))],
  ['date.soon', relativeDate('date.soon', 'days', (f, n, refDate) => f.date.soon({ days: n, refDate }))],
  // address.* -> location.*, and a few other KDG favourites
  ['address.city', plain('faker.location.city', 'address.city', (f) => f.location.city())],
  ['address.country', plain('faker.location.country', 'address.country', (f) => f.location.country())],
  ['address.countryCode', plain('faker.location.countryCode', 'address.countryCode', (f) => f.location.countryCode())],
  ['address.state', plain('faker.location.state', 'address.state', (f) => f.location.state())],
  ['address.zipCode', plain('faker.location.zipCode', 'address.zipCode', (f) => f.location.zipCode())],
  ['address.streetAddress', plain('faker.location.streetAddress', 'address.streetAddress', (f) => f.location.streetAddress())],
  ['address.latitude', plain('faker.location.latitude', 'address.latitude', (f) => f.location.latitude())],
  ['address.longitude', plain('faker.location.longitude', 'address.longitude', (f) => f.location.longitude())],
  ['commerce.productName', plain('faker.commerce.productName', 'commerce.productName', (f) => f.commerce.productName())],
  ['commerce.department', plain('faker.commerce.department', 'commerce.department', (f) => f.commerce.department())],
  ['commerce.price', plain('faker.commerce.price', 'commerce.price', (f) => f.commerce.price())],
  ['company.companyName', plain('faker.company.name', 'company.companyName', (f) => f.company.name())],
  ['company.catchPhrase', plain('faker.company.catchPhrase', 'company.catchPhrase', (f) => f.company.catchPhrase())],
  ['phone.phoneNumber', plain('faker.phone.number', 'phone.phoneNumber', (f) => f.phone.number())],
  ['finance.amount', plain('faker.finance.amount', 'finance.amount', (f) => f.finance.amount())],
  ['finance.account', plain('faker.finance.accountNumber', 'finance.account', (f) => f.finance.accountNumber())],
  ['finance.currencyCode', plain('faker.finance.currencyCode', 'finance.currencyCode', (f) => f.finance.currencyCode())],
];

/** Every supported template function by its KDG (faker v4) name. */
export const TEMPLATE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map(entries);
