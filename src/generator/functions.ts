import { allLocales, type Faker } from '@faker-js/faker';
import { dateFormatter, DEFAULT_LOCAL_FORMAT, DEFAULT_UTC_FORMAT, type DateZone } from './dates.js';
import {
  arrayArg,
  asText,
  counted,
  expectArity,
  expectPositive,
  expectString,
  isRecord,
  localeCodes,
  numberFunction,
  plain,
  stringArg,
  TemplateArgumentError,
  type TemplateFunction,
} from './function-kit.js';

export { TemplateArgumentError } from './function-kit.js';
export type { FunctionContext, TemplateFunction, ValueThunk } from './function-kit.js';

/**
 * The template functions: every name the Kinesis Data Generator exposes (its bundled faker.js
 * v3 API, plus its own `date.now` / `date.utc` / `date.simTime`), and the faker v4/v5 names that
 * blog-post templates use, each mapped explicitly onto current @faker-js/faker.
 */

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

const objectElement: TemplateFunction = {
  usage: 'random.objectElement({"a":"car","b":"bike"}) (a random value of the object)',
  mapsTo: 'faker.helpers.objectValue',
  compile(args, { faker }) {
    expectArity(args, 1);
    const obj = args[0] ?? { foo: 'bar', too: 'car' };
    if (!isRecord(obj) || Object.keys(obj).length === 0) throw new TemplateArgumentError(`expected a non-empty JSON object, got ${JSON.stringify(obj)}`);
    return () => asText(faker.helpers.objectValue(obj));
  },
};

/** KDG's own `date.now(fmt)`, `date.utc(fmt)` and `date.simTime(fmt)`: moment.js formatting of the template clock. */
function clockDate(name: string, zone: DateZone, note: string): TemplateFunction {
  return {
    usage: `${name}("YYYY-MM-DD HH:mm:ss") (any moment.js format; default ${zone === 'utc' ? DEFAULT_UTC_FORMAT : DEFAULT_LOCAL_FORMAT})`,
    mapsTo: `moment${zone === 'utc' ? '.utc' : ''}(clock).format(fmt)${note}`,
    rawString: true,
    compile(args, { now }) {
      expectArity(args, 1);
      const format = args.length === 0 ? undefined : expectString(args[0], 'a moment.js format');
      const fmt = dateFormatter(format, zone);
      return () => fmt(now());
    },
  };
}

/** faker v3 `date.past(years)` and friends: an ISO-8601 timestamp relative to the template clock. */
function relativeDate(name: string, unit: 'years' | 'days', pick: (f: Faker, n: number | undefined, refDate: number) => Date): TemplateFunction {
  return {
    usage: `${name}(${unit}) (optional; renders ISO-8601)`,
    mapsTo: `faker.${name}({ ${unit}, refDate })`,
    compile(args, { faker, now }) {
      expectArity(args, 1);
      const n = args.length === 0 ? undefined : expectPositive(args[0]);
      return () => pick(faker, n, now()).toISOString();
    },
  };
}

const dateBetween: TemplateFunction = {
  usage: 'date.between("2024-01-01","2024-12-31") (renders ISO-8601)',
  mapsTo: 'faker.date.between({ from, to })',
  compile(args, { faker }) {
    expectArity(args, 2);
    const [from, to] = args.length === 1 && isRecord(args[0]) ? [args[0].from, args[0].to] : args;
    const a = Date.parse(String(from));
    const b = Date.parse(String(to));
    if (!Number.isFinite(a) || !Number.isFinite(b) || a > b) {
      throw new TemplateArgumentError(`expected two dates, the first not after the second, got ${JSON.stringify(from)} and ${JSON.stringify(to)}`);
    }
    return () => faker.date.between({ from: a, to: b }).toISOString();
  },
};

const commercePrice: TemplateFunction = {
  usage: 'commerce.price or commerce.price({"min":1,"max":100,"dec":2,"symbol":"$"}) (a number is the min, as in KDG)',
  mapsTo: 'faker.commerce.price({ min, max, dec, symbol })',
  compile(args, { faker }) {
    expectArity(args, 4);
    const o = isRecord(args[0]) ? args[0] : { min: args[0], max: args[1], dec: args[2], symbol: args[3] };
    const min = (o.min as number | undefined) ?? 1;
    const max = (o.max as number | undefined) ?? 1000;
    const dec = (o.dec as number | undefined) ?? 2;
    const symbol = (o.symbol as string | undefined) ?? '';
    if (typeof min !== 'number' || typeof max !== 'number' || min > max || !Number.isInteger(dec) || dec < 0 || typeof symbol !== 'string') {
      throw new TemplateArgumentError(`expected numbers min <= max, whole dec >= 0 and a text symbol, got ${JSON.stringify(o)}`);
    }
    return () => faker.commerce.price({ min, max, dec, symbol });
  },
};

const fullAddressStreet: TemplateFunction = {
  usage: 'address.streetAddress or address.streetAddress(true) (with the secondary address)',
  mapsTo: 'faker.location.streetAddress({ useFullAddress })',
  compile(args, { faker }) {
    expectArity(args, 1);
    if (args[0] !== undefined && typeof args[0] !== 'boolean') throw new TemplateArgumentError(`expected true or false, got ${JSON.stringify(args[0])}`);
    const useFullAddress = args[0] === true;
    return () => faker.location.streetAddress({ useFullAddress });
  },
};

/** faker v3's helpers.createCard / userCard / contextualCard / createTransaction, assembled from faker v10 parts (rendered as JSON). */
function card(f: Faker, kind: 'create' | 'user' | 'contextual'): Record<string, unknown> {
  const firstName = f.person.firstName();
  const username = f.internet.username({ firstName });
  const address = { street: f.location.street(), suite: f.location.secondaryAddress(), city: f.location.city(), zipcode: f.location.zipCode() };
  const geo = { lat: f.location.latitude().toString(), lng: f.location.longitude().toString() };
  const company = { name: f.company.name(), catchPhrase: f.company.catchPhrase(), bs: f.company.buzzPhrase() };
  if (kind === 'contextual') {
    return { name: firstName, username, avatar: f.image.avatar(), email: f.internet.email({ firstName }), dob: f.date.birthdate().toISOString(), phone: f.phone.number(), address: { ...address, geo }, website: f.internet.domainName(), company };
  }
  if (kind === 'user') {
    return { name: f.person.fullName({ firstName }), username, email: f.internet.email({ firstName }), address: { ...address, geo }, phone: f.phone.number(), website: f.internet.domainName(), company };
  }
  return {
    name: f.person.fullName({ firstName }), username, email: f.internet.email({ firstName }),
    address: { streetA: f.location.street(), streetB: f.location.streetAddress(), streetC: f.location.streetAddress({ useFullAddress: true }), streetD: f.location.secondaryAddress(), city: f.location.city(), state: f.location.state(), country: f.location.country(), zipcode: f.location.zipCode(), geo },
    phone: f.phone.number(), website: f.internet.domainName(), company,
    posts: Array.from({ length: 3 }, () => ({ words: f.lorem.words(), sentence: f.lorem.sentence(), sentences: f.lorem.sentences(), paragraph: f.lorem.paragraph() })),
    accountHistory: Array.from({ length: 3 }, () => transaction(f)),
  };
}

function transaction(f: Faker): Record<string, unknown> {
  return { amount: f.finance.amount(), date: f.date.recent({ days: 3650 }).toISOString(), business: f.company.name(), name: f.finance.accountName(), type: f.finance.transactionType(), account: f.finance.accountNumber() };
}

const entityTypes = (f: Faker): string[] => (f.definitions.company.legal_entity_type as string[] | undefined) ?? ['Inc'];

/** faker v3's helpers.replaceSymbolWithNumber: `#` becomes a digit, `!` a digit from 2 to 9. */
const replaceSymbolWithNumber = (f: Faker, s: string): string =>
  s.replace(/[#!]/g, (c) => String(c === '#' ? f.number.int(9) : f.number.int({ min: 2, max: 9 })));

const IMAGE_CATEGORIES = ['abstract', 'animals', 'business', 'cats', 'city', 'food', 'nightlife', 'fashion', 'people', 'nature', 'sports', 'technics', 'transport'] as const;
const LOCALES = localeCodes(allLocales);
const imageOf = (category: string): TemplateFunction => plain(`faker.image.urlLoremFlickr({ category: '${category}' })`, `image.${category}`, (f) => f.image.urlLoremFlickr({ category }));
const p = (name: string, mapsTo: string, fn: (f: Faker) => unknown): [string, TemplateFunction] => [name, plain(mapsTo, name, fn)];

const entries: [string, TemplateFunction][] = [
  // address.* -> location.*
  ['address.zipCode', stringArg('faker.location.zipCode(format)', 'address.zipCode or address.zipCode("#####-####")', (f, s) => f.location.zipCode(s))],
  p('address.city', 'faker.location.city', (f) => f.location.city()),
  p('address.cityPrefix', 'faker.definitions.location.city_prefix', (f) => f.helpers.arrayElement(f.definitions.location.city_prefix ?? [''])),
  p('address.citySuffix', 'faker.definitions.location.city_suffix', (f) => f.helpers.arrayElement(f.definitions.location.city_suffix ?? [''])),
  p('address.streetName', 'faker.location.street', (f) => f.location.street()),
  ['address.streetAddress', fullAddressStreet],
  p('address.streetSuffix', 'faker.definitions.location.street_suffix', (f) => f.helpers.arrayElement(f.definitions.location.street_suffix ?? [''])),
  p('address.streetPrefix', 'faker.string.alpha(1) (faker v3 rendered one letter)', (f) => f.string.alpha({ length: 1, casing: 'lower' })),
  p('address.secondaryAddress', 'faker.location.secondaryAddress', (f) => f.location.secondaryAddress()),
  p('address.county', 'faker.location.county', (f) => f.location.county()),
  p('address.country', 'faker.location.country', (f) => f.location.country()),
  p('address.countryCode', 'faker.location.countryCode', (f) => f.location.countryCode()),
  p('address.state', 'faker.location.state', (f) => f.location.state()),
  p('address.stateAbbr', 'faker.location.state({ abbreviated: true })', (f) => f.location.state({ abbreviated: true })),
  p('address.latitude', 'faker.location.latitude', (f) => f.location.latitude()),
  p('address.longitude', 'faker.location.longitude', (f) => f.location.longitude()),
  p('address.nearbyGPSCoordinate', 'faker.location.nearbyGPSCoordinate (rendered "lat,lng")', (f) => f.location.nearbyGPSCoordinate().join(',')),
  // commerce.*
  p('commerce.color', 'faker.color.human', (f) => f.color.human()),
  p('commerce.department', 'faker.commerce.department', (f) => f.commerce.department()),
  p('commerce.productName', 'faker.commerce.productName', (f) => f.commerce.productName()),
  ['commerce.price', commercePrice],
  p('commerce.productAdjective', 'faker.commerce.productAdjective', (f) => f.commerce.productAdjective()),
  p('commerce.productMaterial', 'faker.commerce.productMaterial', (f) => f.commerce.productMaterial()),
  p('commerce.product', 'faker.commerce.product', (f) => f.commerce.product()),
  // company.*
  p('company.suffixes', 'faker.definitions.company.legal_entity_type (comma-joined, as KDG prints an array)', (f) => entityTypes(f).join(',')),
  p('company.companyName', 'faker.company.name', (f) => f.company.name()),
  p('company.companySuffix', 'faker.definitions.company.legal_entity_type', (f) => f.helpers.arrayElement(entityTypes(f))),
  p('company.catchPhrase', 'faker.company.catchPhrase', (f) => f.company.catchPhrase()),
  p('company.bs', 'faker.company.buzzPhrase', (f) => f.company.buzzPhrase()),
  p('company.catchPhraseAdjective', 'faker.company.catchPhraseAdjective', (f) => f.company.catchPhraseAdjective()),
  p('company.catchPhraseDescriptor', 'faker.company.catchPhraseDescriptor', (f) => f.company.catchPhraseDescriptor()),
  p('company.catchPhraseNoun', 'faker.company.catchPhraseNoun', (f) => f.company.catchPhraseNoun()),
  p('company.bsAdjective', 'faker.company.buzzAdjective', (f) => f.company.buzzAdjective()),
  p('company.bsBuzz', 'faker.company.buzzVerb', (f) => f.company.buzzVerb()),
  p('company.bsNoun', 'faker.company.buzzNoun', (f) => f.company.buzzNoun()),
  // date.*
  ['date.now', clockDate('date.now', 'local', '')],
  ['date.utc', clockDate('date.utc', 'utc', '')],
  ['date.simTime', clockDate('date.simTime', 'local', ' (the simulated clock; the same as date.now)')],
  ['current.timestamp', clockDate('current.timestamp', 'local', ' (KDG rewrites it to date.now)')],
  ['date.past', relativeDate('date.past', 'years', (f, n, refDate) => f.date.past({ years: n, refDate }))],
  ['date.future', relativeDate('date.future', 'years', (f, n, refDate) => f.date.future({ years: n, refDate }))],
  ['date.recent', relativeDate('date.recent', 'days', (f, n, refDate) => f.date.recent({ days: n, refDate }))],
  ['date.soon', relativeDate('date.soon', 'days', (f, n, refDate) => f.date.soon({ days: n, refDate }))],
  ['date.between', dateBetween],
  p('date.month', 'faker.date.month', (f) => f.date.month()),
  p('date.weekday', 'faker.date.weekday', (f) => f.date.weekday()),
  // finance.*
  ['finance.account', counted('faker.finance.accountNumber(length)', 'finance.account(8)', (f, n) => f.finance.accountNumber(n ?? 8))],
  p('finance.accountName', 'faker.finance.accountName', (f) => f.finance.accountName()),
  ['finance.mask', counted('faker.string.numeric(length) (faker v3 mask: digits)', 'finance.mask(4)', (f, n) => f.string.numeric(n || 4))],
  p('finance.amount', 'faker.finance.amount', (f) => f.finance.amount()),
  p('finance.transactionType', 'faker.finance.transactionType', (f) => f.finance.transactionType()),
  p('finance.currencyCode', 'faker.finance.currencyCode', (f) => f.finance.currencyCode()),
  p('finance.currencyName', 'faker.finance.currencyName', (f) => f.finance.currencyName()),
  p('finance.currencySymbol', 'faker.finance.currencySymbol', (f) => f.finance.currencySymbol()),
  p('finance.bitcoinAddress', 'faker.finance.bitcoinAddress', (f) => f.finance.bitcoinAddress()),
  p('finance.iban', 'faker.finance.iban', (f) => f.finance.iban()),
  p('finance.bic', 'faker.finance.bic', (f) => f.finance.bic()),
  p('finance.creditCardNumber', 'faker.finance.creditCardNumber', (f) => f.finance.creditCardNumber()),
  // hacker.*
  p('hacker.abbreviation', 'faker.hacker.abbreviation', (f) => f.hacker.abbreviation()),
  p('hacker.adjective', 'faker.hacker.adjective', (f) => f.hacker.adjective()),
  p('hacker.noun', 'faker.hacker.noun', (f) => f.hacker.noun()),
  p('hacker.verb', 'faker.hacker.verb', (f) => f.hacker.verb()),
  p('hacker.ingverb', 'faker.hacker.ingverb', (f) => f.hacker.ingverb()),
  p('hacker.phrase', 'faker.hacker.phrase', (f) => f.hacker.phrase()),
  // helpers.*
  ['helpers.randomize', arrayArg('faker.helpers.arrayElement', 'helpers.randomize(["a","b","c"])', (f, v) => f.helpers.arrayElement(v))],
  ['helpers.shuffle', arrayArg('faker.helpers.shuffle (rendered as JSON)', 'helpers.shuffle(["a","b","c"])', (f, v) => f.helpers.shuffle(v))],
  ['helpers.slugify', stringArg('faker.helpers.slugify', 'helpers.slugify("Hello World")', (f, s) => f.helpers.slugify(s ?? ''))],
  ['helpers.replaceSymbolWithNumber', stringArg('faker.helpers.replaceSymbolWithNumber', 'helpers.replaceSymbolWithNumber("###-##")', (f, s) => replaceSymbolWithNumber(f, s ?? ''))],
  ['helpers.replaceSymbols', stringArg('faker.helpers.replaceSymbols', 'helpers.replaceSymbols("??-##-**")', (f, s) => f.helpers.replaceSymbols(s ?? ''))],
  p('helpers.createCard', 'faker v10 person/location/company/lorem parts (JSON)', (f) => card(f, 'create')),
  p('helpers.contextualCard', 'faker v10 person/location/company parts (JSON)', (f) => card(f, 'contextual')),
  p('helpers.userCard', 'faker v10 person/location/company parts (JSON)', (f) => card(f, 'user')),
  p('helpers.createTransaction', 'faker v10 finance parts (JSON)', (f) => transaction(f)),
  // image.*
  p('image.image', 'faker.image.url', (f) => f.image.url()),
  p('image.imageUrl', 'faker.image.url', (f) => f.image.url()),
  p('image.avatar', 'faker.image.avatar', (f) => f.image.avatar()),
  ...IMAGE_CATEGORIES.map((c): [string, TemplateFunction] => [`image.${c}`, imageOf(c)]),
  // internet.*
  p('internet.avatar', 'faker.image.avatar', (f) => f.image.avatar()),
  p('internet.email', 'faker.internet.email', (f) => f.internet.email()),
  p('internet.exampleEmail', 'faker.internet.exampleEmail', (f) => f.internet.exampleEmail()),
  p('internet.session', 'faker.number.int (KDG: a 16-digit session number)', (f) => f.number.int({ min: 1_007_199_254_740_991, max: Number.MAX_SAFE_INTEGER - 1 })),
  p('internet.userName', 'faker.internet.username', (f) => f.internet.username()),
  p('internet.protocol', 'faker.internet.protocol', (f) => f.internet.protocol()),
  p('internet.url', 'faker.internet.url', (f) => f.internet.url()),
  p('internet.domainName', 'faker.internet.domainName', (f) => f.internet.domainName()),
  p('internet.domainSuffix', 'faker.internet.domainSuffix', (f) => f.internet.domainSuffix()),
  p('internet.domainWord', 'faker.internet.domainWord', (f) => f.internet.domainWord()),
  p('internet.ip', 'faker.internet.ipv4', (f) => f.internet.ipv4()),
  p('internet.ipv6', 'faker.internet.ipv6', (f) => f.internet.ipv6()),
  p('internet.userAgent', 'faker.internet.userAgent', (f) => f.internet.userAgent()),
  p('internet.color', 'faker.color.rgb', (f) => f.color.rgb()),
  p('internet.mac', 'faker.internet.mac', (f) => f.internet.mac()),
  ['internet.password', counted('faker.internet.password', 'internet.password(15)', (f, n) => f.internet.password({ length: n ?? 15 }))],
  p('internet.port', 'faker.internet.port', (f) => f.internet.port()),
  p('internet.httpMethod', 'faker.internet.httpMethod', (f) => f.internet.httpMethod()),
  // lorem.*
  p('lorem.word', 'faker.lorem.word', (f) => f.lorem.word()),
  ['lorem.words', counted('faker.lorem.words', 'lorem.words(3)', (f, n) => f.lorem.words(n ?? 3))],
  ['lorem.sentence', counted('faker.lorem.sentence', 'lorem.sentence(8)', (f, n) => f.lorem.sentence(n))],
  ['lorem.sentences', counted('faker.lorem.sentences', 'lorem.sentences(3)', (f, n) => f.lorem.sentences(n))],
  ['lorem.paragraph', counted('faker.lorem.paragraph', 'lorem.paragraph(3)', (f, n) => f.lorem.paragraph(n))],
  ['lorem.paragraphs', counted('faker.lorem.paragraphs', 'lorem.paragraphs(3)', (f, n) => f.lorem.paragraphs(n))],
  ['lorem.lines', counted('faker.lorem.lines', 'lorem.lines(2)', (f, n) => f.lorem.lines(n))],
  ['lorem.slug', counted('faker.lorem.slug', 'lorem.slug(3)', (f, n) => f.lorem.slug(n))],
  ['lorem.text', counted('faker.lorem.text', 'lorem.text', (f) => f.lorem.text())],
  // name.* -> person.*
  p('name.firstName', 'faker.person.firstName', (f) => f.person.firstName()),
  p('name.lastName', 'faker.person.lastName', (f) => f.person.lastName()),
  p('name.middleName', 'faker.person.middleName', (f) => f.person.middleName()),
  p('name.findName', 'faker.person.fullName', (f) => f.person.fullName()),
  p('name.fullName', 'faker.person.fullName', (f) => f.person.fullName()),
  p('name.jobTitle', 'faker.person.jobTitle', (f) => f.person.jobTitle()),
  p('name.prefix', 'faker.person.prefix', (f) => f.person.prefix()),
  p('name.suffix', 'faker.person.suffix', (f) => f.person.suffix()),
  p('name.title', 'faker.person.jobTitle', (f) => f.person.jobTitle()),
  p('name.jobDescriptor', 'faker.person.jobDescriptor', (f) => f.person.jobDescriptor()),
  p('name.jobArea', 'faker.person.jobArea', (f) => f.person.jobArea()),
  p('name.jobType', 'faker.person.jobType', (f) => f.person.jobType()),
  p('name.gender', 'faker.person.gender', (f) => f.person.gender()),
  // phone.*
  ['phone.phoneNumber', stringArg('faker.phone.number (or helpers.replaceSymbolWithNumber(format))', 'phone.phoneNumber or phone.phoneNumber("###-###-####")', (f, s) => (s === undefined ? f.phone.number() : replaceSymbolWithNumber(f, s)))],
  ['phone.phoneNumberFormat', counted("faker.phone.number({ style: 'national' })", 'phone.phoneNumberFormat', (f) => f.phone.number({ style: 'national' }))],
  p('phone.phoneFormats', 'faker.definitions.phone_number.format.human', (f) => f.helpers.arrayElement((f.definitions.phone_number.format as { human?: string[] }).human ?? ['###-###-####'])),
  // random.* and datatype.*
  ['random.number', numberFunction('random.number', 1)],
  ['random.float', numberFunction('random.float', 0.01)],
  ['datatype.number', numberFunction('datatype.number', 1)],
  ['datatype.float', numberFunction('datatype.float', 0.01)],
  ['random.arrayElement', arrayArg('faker.helpers.arrayElement', 'random.arrayElement(["OK","FAIL","WARN"])', (f, v) => f.helpers.arrayElement(v))],
  ['random.weightedArrayElement', weightedArrayElement],
  ['random.objectElement', objectElement],
  p('random.uuid', 'faker.string.uuid', (f) => f.string.uuid()),
  p('datatype.uuid', 'faker.string.uuid', (f) => f.string.uuid()),
  p('random.boolean', 'faker.datatype.boolean', (f) => f.datatype.boolean()),
  p('datatype.boolean', 'faker.datatype.boolean', (f) => f.datatype.boolean()),
  p('random.word', 'faker.word.sample', (f) => f.word.sample()),
  ['random.words', counted('faker.word.words', 'random.words(3)', (f, n) => f.word.words(n ?? { count: { min: 1, max: 3 } }))],
  p('random.image', 'faker.image.url', (f) => f.image.url()),
  p('random.locale', 'a faker locale code', (f) => f.helpers.arrayElement(LOCALES)),
  ['random.alphaNumeric', counted('faker.string.alphanumeric', 'random.alphaNumeric(8)', (f, n) => f.string.alphanumeric({ length: n ?? 1, casing: 'lower' }))],
  // system.*
  p('system.fileName', 'faker.system.fileName', (f) => f.system.fileName()),
  p('system.commonFileName', 'faker.system.commonFileName', (f) => f.system.commonFileName()),
  p('system.mimeType', 'faker.system.mimeType', (f) => f.system.mimeType()),
  p('system.commonFileType', 'faker.system.commonFileType', (f) => f.system.commonFileType()),
  p('system.commonFileExt', 'faker.system.commonFileExt', (f) => f.system.commonFileExt()),
  p('system.fileType', 'faker.system.fileType', (f) => f.system.fileType()),
  p('system.fileExt', 'faker.system.fileExt', (f) => f.system.fileExt()),
  p('system.directoryPath', 'faker.system.directoryPath', (f) => f.system.directoryPath()),
  p('system.filePath', 'faker.system.filePath', (f) => f.system.filePath()),
  p('system.semver', 'faker.system.semver', (f) => f.system.semver()),
];

/** Every supported template function by its KDG (faker v3) name. */
export const TEMPLATE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map(entries);
