import { describe, expectTypeOf, it } from 'vitest';
import { csv, readStream, type RowOf } from './api.js';

describe('typed pipeline API', () => {
  it('types rows from the schema', () => {
    type Row = RowOf<ReturnType<typeof csv<{ id: 'string'; currentTemp: 'int'; status: 'string'; ok: 'boolean' }>>['shape']>;
    expectTypeOf<Row['id']>().toEqualTypeOf<string>();
    expectTypeOf<Row['currentTemp']>().toEqualTypeOf<number>();
    expectTypeOf<Row['ok']>().toEqualTypeOf<boolean>();
    expectTypeOf<Row['_seq']>().toEqualTypeOf<string>();
  });

  it('carries the schema through the builder', () => {
    const b = readStream({ app: 'app', stream: 's' }).format(csv({ id: 'string', t: 'double' }));
    expectTypeOf(b.window({ kind: 'sliding', length: '20s' })).toEqualTypeOf(b);
    // @ts-expect-error nullable names must be columns of the schema
    csv({ id: 'string' }, { nullable: ['nope'] });
  });
});
