import { z } from 'zod';
import { epochMs } from '../time.js';
import { radioSettingsSchema, scheduleBodySchema } from './radio.js';
import { footageBodySchema } from './footage.js';
import { surveillanceSettingsSchema } from './surveillance-settings.js';
import { releaseBodySchema } from './updates.js';

/** Edge settings the cloud manages; the radio schedule arrives as its own document. */
export const configBodySchema = z.object({
  telemetryIntervalS: z.number().int().min(2).max(3600),
  /** Absent: the box keeps the level it was started with. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).optional(),
  /** Speakers and player policy; absent on a box without loudspeakers. */
  radio: radioSettingsSchema.optional(),
  /** Cameras, zones, masks and rules; absent on a box without cameras. */
  surveillance: surveillanceSettingsSchema.optional(),
});
export type ConfigBody = z.infer<typeof configBodySchema>;

/** Every desired document's body schema, by document name (`desired/{doc}`). */
export const documentBodies = {
  config: configBodySchema,
  schedule: scheduleBodySchema,
  /** Footage police asked for by time, still to be cut and uploaded by the box. */
  footage: footageBodySchema,
  /** The release the box should run (issue 15); older boxes answer it rejected and keep running. */
  release: releaseBodySchema,
} as const;
export type DocumentName = keyof typeof documentBodies;
export type DocumentBody<D extends DocumentName> = z.infer<(typeof documentBodies)[D]>;

export const documentNames = Object.keys(documentBodies) as DocumentName[];

/** `sc/v1/edges/{edgeId}/desired/{doc}`, retained, cloud → edge. */
export function desiredSchema<D extends DocumentName>(doc: D) {
  return z.object({
    version: z.number().int().positive(),
    issuedAt: epochMs,
    body: documentBodies[doc],
  });
}
export interface Desired<D extends DocumentName> {
  version: number;
  issuedAt: number;
  body: DocumentBody<D>;
}

/** `sc/v1/edges/{edgeId}/reported/{doc}`, retained, edge → cloud: what the edge did with a version. */
export const reportedSchema = z.object({
  version: z.number().int().nonnegative(),
  status: z.enum(['applied', 'rejected']),
  ts: epochMs,
  error: z.string().max(2000).optional(),
  /**
   * What the box left out of an applied version because it did not know it (contract revision 2;
   * see parseLeniently): absent when it took everything. Open strings, so a newer box's effects
   * never make an older cloud drop the report.
   */
  ignored: z
    .array(
      z.object({
        path: z.string().max(300),
        value: z.string().max(200),
        effect: z.string().max(32),
        left: z.string().max(300),
        label: z.string().max(200).nullable(),
        /** Parts this entry stands for, when more than one (one unknown field in many elements, or `more`). */
        count: z.number().int().positive().optional(),
      }),
    )
    .max(100)
    .optional(),
});
export type Reported = z.infer<typeof reportedSchema>;
