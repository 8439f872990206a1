import { describe, expect, it } from 'vitest';
import { TEMPLATE_FUNCTIONS } from './functions.js';
import { compileTemplate } from './template.js';

/**
 * Every name the Kinesis Data Generator exposes (read off its bundled faker.js v3: each module's
 * functions), with what kind of value KDG renders for it. Each must exist here and render a
 * value of that kind through current faker, for many seeds.
 */
const WORDS = /^[\p{L}\p{M}' .,&-]+$/u;
const WORD = /^[\p{L}\p{M}'-]+$/u;
const INT = /^-?\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const URL_ = /^https?:\/\/\S+$/;
const SENTENCE = /^[\p{L}][\p{L}\p{M} ,.'\n-]*[.]?$/u;
const json = (keys: string[]) => (v: string) => {
  const o = JSON.parse(v) as Record<string, unknown>;
  return keys.every((k) => k in o);
};

const KDG: Record<string, Record<string, RegExp | ((v: string) => boolean)>> = {
  address: {
    zipCode: /^\d{5}(-\d{4})?$/, city: WORDS, cityPrefix: WORDS, citySuffix: WORD, streetName: WORDS, streetAddress: /^\d+ [\p{L} .'-]+$/u,
    streetSuffix: WORDS, streetPrefix: /^[a-z]$/, secondaryAddress: /^(Apt\.|Suite) \d+$/, county: WORDS, country: /^[\p{L}\p{M} ().,'&-]+$/u,
    countryCode: /^[A-Z]{2}$/, state: WORDS, stateAbbr: /^[A-Z]{2}$/, latitude: (v) => Math.abs(Number(v)) <= 90, longitude: (v) => Math.abs(Number(v)) <= 180,
    nearbyGPSCoordinate: (v) => { const [a, b] = v.split(',').map(Number); return Math.abs(a!) <= 90 && Math.abs(b!) <= 180; },
  },
  commerce: { color: WORDS, department: WORDS, productName: WORDS, price: /^\d+\.\d{2}$/, productAdjective: WORD, productMaterial: WORD, product: WORD },
  company: {
    suffixes: /^[\p{L} .,]+(,[\p{L} .]+)+$/u, companyName: WORDS, companySuffix: WORDS, catchPhrase: /^[\p{L} '-]+$/u, bs: /^[\p{L}\d '-]+$/u,
    catchPhraseAdjective: /^[\p{L}-]+$/u, catchPhraseDescriptor: /^[\p{L}\d -]+$/u, catchPhraseNoun: /^[\p{L} -]+$/u, bsAdjective: /^[\p{L} -]+$/u, bsBuzz: /^[\p{L} -]+$/u, bsNoun: /^[\p{L} -]+$/u,
  },
  date: {
    past: ISO, future: ISO, recent: ISO, month: /^(January|February|March|April|May|June|July|August|September|October|November|December)$/,
    weekday: /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$/, now: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/, utc: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
    simTime: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/,
  },
  finance: {
    account: /^\d{8}$/, accountName: WORDS, mask: /^\d{4}$/, amount: /^\d+\.\d{2}$/, transactionType: WORD, currencyCode: /^[A-Z]{3}$/,
    currencyName: /^[\p{L}\p{M} ()'.,-]+$/u, currencySymbol: /^\S+$/, bitcoinAddress: /^[13bc][a-zA-Z0-9]{24,62}$/,
  },
  hacker: { abbreviation: /^[A-Z0-9]{2,5}$/, adjective: /^[\w-]+$/, noun: /^[a-z ]+$/, verb: /^[a-z ]+$/, ingverb: /^[a-z]+ing( [a-z]+)?$/, phrase: /^\S.+[.!]$/ },
  helpers: {
    createCard: json(['name', 'username', 'email', 'address', 'phone', 'website', 'company', 'posts', 'accountHistory']),
    contextualCard: json(['name', 'username', 'avatar', 'email', 'dob', 'phone', 'address', 'website', 'company']),
    userCard: json(['name', 'username', 'email', 'address', 'phone', 'website', 'company']),
    createTransaction: json(['amount', 'date', 'business', 'name', 'type', 'account']),
  },
  image: Object.fromEntries(['image', 'avatar', 'imageUrl', 'abstract', 'animals', 'business', 'cats', 'city', 'food', 'nightlife', 'fashion', 'people', 'nature', 'sports', 'technics', 'transport'].map((k) => [k, URL_])),
  internet: {
    avatar: URL_, email: /^\S+@\S+\.\w+$/, exampleEmail: /^\S+@example\.(com|net|org)$/, session: /^\d{16}$/, userName: /^[\w.-]+$/, protocol: /^https?$/,
    url: URL_, domainName: /^[\w-]+\.\w+$/, domainSuffix: /^[a-z]+$/, domainWord: /^[\w-]+$/, ip: /^(\d{1,3}\.){3}\d{1,3}$/, userAgent: /^\S.{10,}$/,
    color: /^#[0-9a-f]{6}$/, mac: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, password: /^\S{15}$/,
  },
  lorem: { word: WORD, words: /^\p{L}+( \p{L}+){2}$/u, sentence: SENTENCE, sentences: SENTENCE, paragraph: SENTENCE, paragraphs: SENTENCE, text: SENTENCE, lines: SENTENCE },
  name: {
    firstName: WORDS, lastName: WORDS, findName: /^[\p{L}.' -]+ [\p{L}.' -]+$/u, jobTitle: /^\w+ \w+ \w+$/, prefix: /^\p{L}+\.?$/u, suffix: /^[\p{L}.]+$/u,
    title: /^\w+ \w+ \w+$/, jobDescriptor: WORD, jobArea: WORD, jobType: WORD,
  },
  phone: { phoneNumber: /^[\d()+. x-]{7,}$/, phoneNumberFormat: /^[\d() -]{10,}$/, phoneFormats: /^[#!().\- x+1]+$/ },
  random: {
    number: INT, arrayElement: /^(a|b|c)$/, weightedArrayElement: /^(cat|fish|dog)$/, objectElement: /^(car|bike)$/, uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    boolean: /^(true|false)$/, word: /^\S+$/, words: /^\S+( \S+)*$/, image: URL_, locale: /^[a-z]{2,3}(_[A-Za-z0-9]+)*$/, alphaNumeric: /^[a-z0-9]$/,
  },
  system: {
    fileName: /^[\w-]+\.\w+$/, commonFileName: /^[\w-]+\.\w+$/, mimeType: /^[\w.+-]+\/[\w.+-]+$/, commonFileType: WORD, commonFileExt: /^\w+$/,
    fileType: WORD, fileExt: /^[\w-]+$/, directoryPath: /^\/[\w/.+-]*$/, filePath: /^\/[\w/.+-]+$/, semver: /^\d+\.\d+\.\d+$/,
  },
};
const ARGS: Record<string, string> = {
  'random.arrayElement': '(["a","b","c"])',
  'random.weightedArrayElement': '({"weights":[0.3,0.2,0.5],"data":["cat","fish","dog"]})',
  'random.objectElement': '({"x":"car","y":"bike"})',
};

describe('every KDG (faker v3) name', () => {
  const cases = Object.entries(KDG).flatMap(([ns, fns]) => Object.entries(fns).map(([fn, kind]) => [`${ns}.${fn}`, kind] as const));

  it('covers the whole surface KDG exposes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(120);
    expect(cases.map(([name]) => name).filter((name) => !TEMPLATE_FUNCTIONS.has(name))).toEqual([]);
  });

  it.each(cases)('%s renders a value of the right kind', (name, kind) => {
    const t = compileTemplate(`{{${name}${ARGS[name] ?? ''}}}`, { seed: name.length, now: () => Date.UTC(2025, 5, 1, 12) });
    const seen = new Set<string>();
    for (let i = 0; i < 25; i++) {
      const v = t.render();
      seen.add(v);
      const ok = typeof kind === 'function' ? kind(v) : kind.test(v);
      expect(ok, `${name} rendered ${JSON.stringify(v)}`).toBe(true);
    }
    const constant = ['company.suffixes', 'date.now', 'date.utc', 'date.simTime'];
    if (!constant.includes(name)) expect(seen.size, `${name} never varies`).toBeGreaterThan(1);
  });

  it('takes the arguments KDG templates pass', () => {
    const at = Date.UTC(2025, 5, 1, 12);
    const t = compileTemplate(
      '{{address.zipCode("###")}}|{{lorem.words(5)}}|{{random.alphaNumeric(10)}}|{{finance.account(5)}}|{{date.past(1)}}|{{date.between("2020-01-01","2020-02-01")}}|{{internet.password(8)}}|{{helpers.replaceSymbolWithNumber("AB-##")}}|{{commerce.price({"min":5,"max":6,"dec":1,"symbol":"$"})}}|{{phone.phoneNumber("555-####")}}',
      { seed: 4, now: () => at },
    );
    for (let i = 0; i < 50; i++) {
      const [zip, words, alnum, account, past, between, pw, sym, price, phone] = t.render().split('|');
      expect(zip).toMatch(/^\d{3}$/);
      expect(words!.split(' ')).toHaveLength(5);
      expect(alnum).toMatch(/^[a-z0-9]{10}$/);
      expect(account).toMatch(/^\d{5}$/);
      expect(Date.parse(past!)).toBeGreaterThanOrEqual(at - 366 * 86_400_000);
      expect(Date.parse(past!)).toBeLessThan(at);
      expect(Date.parse(between!)).toBeGreaterThanOrEqual(Date.UTC(2020, 0, 1));
      expect(Date.parse(between!)).toBeLessThanOrEqual(Date.UTC(2020, 1, 1));
      expect(pw).toHaveLength(8);
      expect(sym).toMatch(/^AB-\d\d$/);
      expect(price).toMatch(/^\$[56]\.\d$/);
      expect(phone).toMatch(/^555-\d{4}$/);
    }
  });
});
