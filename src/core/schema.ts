/** Column types a record can be decoded to. `int` is 32-bit like Spark's IntegerType; `long` is 64-bit. */
export const ColumnTypes = ['string', 'int', 'long', 'double', 'boolean', 'timestamp'] as const;
export type ColumnType = (typeof ColumnTypes)[number];

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Whether an empty CSV field / a missing or null JSON field is allowed (becomes null). Default false. */
  readonly nullable?: boolean;
}
