import { z } from 'zod';
import { can, type Action, type Person } from '../../users/permissions.js';

/**
 * What a staff member can be told, each tied to the action that makes it their business: police
 * review incidents, technicians look after boxes and cameras, operators send emergency alerts,
 * and both of the latter hear of a loudspeaker zone down too long (its alarm).
 */
export const pushKinds = ['incident', 'device', 'alert_not_started', 'speaker'] as const;
export type PushKind = (typeof pushKinds)[number];

export const KIND_ACTION: Readonly<Record<PushKind, Action>> = {
  incident: 'incidents.review',
  device: 'fleet.edges.manage',
  alert_not_started: 'radio.alerts.manage',
  // a loudspeaker zone down too long concerns those who set its volume: operators and technicians
  speaker: 'fleet.speakers.manage',
};

/** The kinds this person's role makes theirs: all of them are on until the person turns some off. */
export const eligibleKinds = (person: Person): PushKind[] => pushKinds.filter((kind) => can(person, KIND_ACTION[kind]));

/** The kind that is never held back by quiet hours: an emergency alert that did not sound. */
export const EMERGENCY_KINDS: ReadonlySet<PushKind> = new Set(['alert_not_started']);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)');

export const quietHoursSchema = z.object({ start: hhmm, end: hhmm }).refine((q) => q.start !== q.end, 'start and end must differ');
export type QuietHours = z.infer<typeof quietHoursSchema>;

export interface PushPreferences {
  /** The kinds the person gets (within their eligible ones). */
  kinds: PushKind[];
  /** Local time (Asia/Ho_Chi_Minh) when only emergencies come through; the rest waits until `end`. */
  quietHours: QuietHours | null;
  /** Hamlet codes the person wants pushes about; with `cameras` both empty, the whole commune. */
  hamlets: string[];
  /** Cameras (`{edgeId}/{cameraId}`) the person wants pushes about, in addition to their hamlets. */
  cameras: string[];
}

/** A commune has about ten hamlets and a few dozen cameras: the bounds are for input, not for real use. */
export const MAX_SCOPE_HAMLETS = 50;
export const MAX_SCOPE_CAMERAS = 200;

/** Where a notification's subject is: the hamlets it concerns (an alert may target several) and its camera, if any. */
export interface PushScope {
  hamletCodes: readonly string[];
  camera?: string;
}

/**
 * Whether a person's chosen hamlets and cameras cover this subject. No choice = everything (so
 * nobody who never chose loses anything); otherwise a subject in one of their hamlets or from one
 * of their cameras. A subject whose hamlet is unknown (a box not yet placed) goes to those who chose
 * nothing, and by camera only to those who chose that camera.
 */
export function inScope(prefs: Pick<PushPreferences, 'hamlets' | 'cameras'>, scope: PushScope): boolean {
  if (prefs.hamlets.length === 0 && prefs.cameras.length === 0) return true;
  if (scope.camera !== undefined && prefs.cameras.includes(scope.camera)) return true;
  return scope.hamletCodes.some((code) => prefs.hamlets.includes(code));
}

/** Vietnam has kept UTC+7 without daylight saving since 1975: the commune's clock is a fixed offset. */
const COMMUNE_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 24 * 3600_000;

const minutesOf = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/**
 * When a message that is not an emergency may go out: `now` outside the quiet hours, else the end
 * of the quiet period `now` is in (which may be tomorrow morning for 22:00–06:00).
 */
export function quietHoursEnd(quiet: QuietHours | null, now: number): number {
  if (!quiet) return now;
  const local = now + COMMUNE_OFFSET_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  const minute = (local - dayStart) / 60_000;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inQuiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inQuiet) return now;
  // the end falls today when it is still ahead of the clock, else tomorrow
  const endToday = dayStart + end * 60_000;
  return (endToday > local ? endToday : endToday + DAY_MS) - COMMUNE_OFFSET_MS;
}
