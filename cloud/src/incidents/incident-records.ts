import type { IncidentEvent, IncidentObject, ReviewSeverity, TimelineEntry } from '@smart-commune/shared';

/* What the incident store gives: items as the API, the console and the export read them. */

export const reviewStatuses = ['new', 'reviewing', 'confirmed', 'dismissed'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

/** One incident file as the edge announced it, and whether the cloud holds bytes matching its hash. */
export interface IncidentMedia {
  sha256: string;
  bytes: number;
  /** Set when an upload whose sha256 matched the edge's hash was stored. */
  receivedAt: number | null;
}

/** One object of an item, its best picture with the cloud's verification state. */
export interface IncidentObjectRecord extends Omit<IncidentObject, 'snapshot'> {
  snapshot: IncidentMedia | null;
}

/** One part of an item's clip; played in index order the parts are the whole item. */
export interface ClipPartRecord extends IncidentMedia {
  index: number;
  startMs: number;
  durationMs: number;
}

/**
 * An incident is a review item: one period of activity on one camera. The scalar facts (ruleId, label,
 * trackId, box, snapshot …) are the item's main object's; `objects`, `timeline` and `parts` are the whole item.
 */
export interface IncidentRecord {
  id: string;
  edgeId: string;
  edgeName: string | null;
  /** The box's hamlet when the incident arrived. */
  hamletCode: string | null;
  hamletName: string | null;
  /** The box's commune when the incident arrived (through its hamlet); null for a box with no hamlet. */
  communeCode: string | null;
  cameraId: string;
  ruleId: string;
  zoneId: string | null;
  label: string;
  score: number;
  trackId: number;
  startedAt: number;
  detectedAt: number;
  endedAt: number | null;
  box: IncidentEvent['box'];
  snapshot: IncidentMedia | null;
  clip: (IncidentMedia & { durationMs: number }) | null;
  /** alert: the police queue; detection: kept and searchable. */
  severity: ReviewSeverity;
  /** open while the box still reports activity; closed once it ended (or an older box's incident). */
  state: 'open' | 'closed';
  /** The item this one continues (the earlier one reached its camera's maximum length). */
  continues: string | null;
  /** The camera was over its flood limit when this item opened. */
  flood: boolean;
  status: ReviewStatus;
  assignee: { id: string; username: string; displayName: string } | null;
  legalHold: boolean;
  /** When the cloud received the incident's first report: what retention counts from. */
  receivedAt: number;
  createdAt: number;
  updatedAt: number;
}

/** An item with its objects, timeline, clip parts and the item continuing it: what the item page shows. */
export interface IncidentItem extends IncidentRecord {
  objects: IncidentObjectRecord[];
  timeline: TimelineEntry[];
  parts: ClipPartRecord[];
  /** The item that continues this one, when it reached the maximum length. */
  continuedBy: string | null;
}

/** A queue row's view of an item's objects: how many, and how many of each label (most first). */
export interface ObjectSummary {
  count: number;
  labels: { label: string; count: number }[];
}

export interface IncidentFilter {
  /** Only this commune's incidents (a commune's police are always held to theirs). */
  communeCode?: string;
  severity?: ReviewSeverity;
  state?: 'open' | 'closed';
  hamletCode?: string;
  edgeId?: string;
  cameraId?: string;
  label?: string;
  status?: ReviewStatus;
  assigneeId?: string;
  /** detectedAt in [from, to), epoch ms. */
  from?: number;
  to?: number;
}
