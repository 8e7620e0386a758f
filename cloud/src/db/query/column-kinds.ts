import type { Selectable } from 'kysely';

type Affinity<V> = [V] extends [string] ? 'TEXT' : [V] extends [number] ? 'INTEGER' | 'REAL' : [V] extends [Buffer] ? 'BLOB' : never;
type Kind<V> = null extends V ? `${Affinity<Exclude<V, null>>}?` : Affinity<V>;

/**
 * The shape tableColumns must have for the interfaces in tables.ts: every table, every column,
 * nothing more, and each column's affinity and nullability agreeing with its TypeScript type. With
 * `satisfies`, an interface edited without its column entry (or the reverse) does not compile, and
 * tables.test.ts checks the entries against the real SQLite schema.
 */
export type ColumnKinds<DB> = {
  [T in keyof DB]: { [C in keyof Selectable<DB[T]>]-?: Kind<Selectable<DB[T]>[C]> };
};
