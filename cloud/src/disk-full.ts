/**
 * Whether an error says there is no room: SQLite's "database or disk is full", or a file write
 * that found no space or hit a quota. Such a failure is answered 507 and retried later, never a 500.
 */
export const isDiskFull = (err: unknown): boolean => ['SQLITE_FULL', 'ENOSPC', 'EDQUOT'].includes(((err as { code?: unknown } | null)?.code as string) ?? '');
