import type { z } from 'zod';

/**
 * Formats zod issues as `path: message; …` so a log line names exactly what was wrong. In a module of
 * its own: schemas that the message catalogue imports (release keys, signatures) use it too, and
 * importing it from decode.ts would close an import cycle.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
