/** One condition of a list filter: its SQL with one named parameter, that parameter's name, and its value. */
export type Condition = readonly [sql: string, name: string, value: unknown];

/**
 * The WHERE clause of the filters that are set, and their parameters. Writing every filter as
 * `(@x IS NULL OR col = @x)` instead hides the column from SQLite's planner, which then scans the
 * table whatever its indexes.
 */
export function whereOf(conditions: readonly Condition[]): { sql: string; params: Record<string, unknown> } {
  const present = conditions.filter(([, , value]) => value !== undefined && value !== null);
  return {
    sql: present.length ? `WHERE ${present.map(([sql]) => sql).join(' AND ')}` : '',
    params: Object.fromEntries(present.map(([, name, value]) => [name, value])),
  };
}
