import { z } from '@hono/zod-openapi';

/**
 * Whose a new bulletin or schedule is, as a request may say (issue 10): a commune's code, or null for
 * the province's own. Absent: the writer's commune (radio-scope.ts communeForWrite). Only a
 * province-level person may name another than their own.
 */
export const communeCodeInput = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be a commune code: letters, digits, "-" or "_"')
  .nullable()
  .optional()
  .openapi({ description: "A province-level person writing for one commune (its code) or for the province (null); absent: the writer's own commune, or the only commune of a single-commune install", example: 'vi-tan' });
