import type { PlaybackEvent } from '@smart-commune/shared';

export interface AlertLeadOptions {
  /** The first alerts' lead, before any edge has reported. */
  initialMs: number;
  /** Never shorter: MQTT delivery, the asset's download and its decoding take at least this. */
  minMs: number;
  maxMs: number;
}

/** An edge whose first sample came later than this after the planned start was not ready in time. */
const LATE_MS = 20;
/** Each alert all edges started on time shortens the next lead by this share of what is above the minimum. */
const SHORTEN = 0.2;
/** A late edge sets the next lead to what it needed, plus this share. */
const MARGIN = 0.25;
const REMEMBERED_ALERTS = 32;

const firstOccurrence = /^alert:(.+):0$/;

/**
 * How long before an alert's first sound it is broadcast: long enough that every edge has fetched
 * and decoded it (so all hamlets start together), short enough not to delay the warning. Learned
 * from proof of play: an edge that started its first occurrence late needed the lead used plus its
 * lateness, and the lead grows to that with a margin; each alert every edge started on time
 * shortens it a little, towards the minimum.
 */
export class AlertLead {
  private currentMs: number;
  /** Lead used by recent alerts, and whether they already shortened the lead or were late. */
  private readonly recent = new Map<string, { leadMs: number; shortened: boolean; late: boolean }>();

  constructor(private readonly options: AlertLeadOptions) {
    this.currentMs = Math.min(options.maxMs, Math.max(options.minMs, options.initialMs));
  }

  get ms(): number {
    return this.currentMs;
  }

  /** The lead for a new alert, remembered to learn from its proof of play. */
  take(alertId: string): number {
    this.recent.set(alertId, { leadMs: this.currentMs, shortened: false, late: false });
    if (this.recent.size > REMEMBERED_ALERTS) this.recent.delete(this.recent.keys().next().value!);
    return this.currentMs;
  }

  /** A playback event from an edge: the `started` of an alert's first occurrence teaches the lead. */
  observe(event: PlaybackEvent): void {
    const alertId = firstOccurrence.exec(event.occurrenceId)?.[1];
    const used = alertId === undefined ? undefined : this.recent.get(alertId);
    if (!used || event.state !== 'started' || event.actualStartAt === null) return;
    const lateMs = event.actualStartAt - event.plannedStartAt;
    const { minMs, maxMs } = this.options;
    if (lateMs > LATE_MS) {
      used.late = true;
      this.currentMs = Math.min(maxMs, Math.max(this.currentMs, Math.round((used.leadMs + lateMs) * (1 + MARGIN))));
    } else if (!used.shortened && !used.late) {
      used.shortened = true;
      this.currentMs = Math.max(minMs, Math.round(this.currentMs - (this.currentMs - minMs) * SHORTEN));
    }
  }
}
