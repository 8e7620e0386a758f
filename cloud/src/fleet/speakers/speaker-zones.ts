import type { SpeakerTelemetry } from '@smart-commune/shared';
import { notFound } from '../../http/errors.js';
import type { Documents } from '../documents.js';
import type { Edge, EdgeFilter, EdgeStore } from '../edge-store.js';
import type { FleetService } from '../fleet-service.js';
import type { SpeakerAlarm, SpeakerAlarms } from './speaker-alarms.js';

/** One loudspeaker zone of a box: what the console set, what the box last reported, and its alarm. */
export interface ZoneView {
  edgeId: string;
  edgeName: string;
  hamletCode: string;
  hamletName: string;
  zone: string;
  /** Set from the console (the config document): 0–100 and muted. */
  volume: number;
  muted: boolean;
  /** The speakers of the zone (driver and target) as configured. */
  outputs: { driver: string; target: string }[];
  /** The zone in the box's last telemetry; null when it never reported it (not yet, or a box before issue 14). */
  reported: SpeakerTelemetry | null;
  /** Whether the box applied the last config version (so the volume it reports is the one set). */
  applied: boolean;
  alarm: Pick<SpeakerAlarm, 'state' | 'reason' | 'downSince' | 'raisedAt'> | null;
}

export interface ZoneChange {
  volume?: number;
  muted?: boolean;
}

/**
 * The loudspeaker zones as the console sees and changes them. A zone's volume and mute live in
 * the box's config document (`radio.speakers[]`, one entry per speaker of the zone): changing them
 * is a new config version, which the box applies live (same outputs kept, so the item playing goes
 * on at the new level from its next frame).
 */
export class SpeakerZones {
  constructor(
    private readonly deps: { edges: EdgeStore; documents: Documents; fleet: FleetService; alarms: SpeakerAlarms },
  ) {}

  /** Every zone of every active box (of one commune, with `communeCode`), in hamlet order. */
  async all(filter: Pick<EdgeFilter, 'communeCode'> = {}): Promise<ZoneView[]> {
    const [edges, alarms] = await Promise.all([this.deps.edges.list({ status: 'active', ...filter }), this.deps.alarms.active(filter)]);
    return (await Promise.all(edges.map((edge) => this.zonesOf(edge, alarms)))).flat();
  }

  /** The zones of one box (404 for no such box). */
  async ofEdge(edgeId: string): Promise<ZoneView[]> {
    const edge = await this.deps.edges.get(edgeId);
    return this.zonesOf(edge, await this.deps.alarms.active());
  }

  /** Sets a zone's volume and/or mute; 404 for no such box or zone, 409 for a revoked box. */
  async change(edgeId: string, zone: string, change: ZoneChange): Promise<ZoneView> {
    const edge = await this.deps.edges.get(edgeId);
    const config = await this.deps.documents.get(edgeId, 'config');
    const speakers = config?.body.radio?.speakers ?? [];
    if (!config || !speakers.some((s) => s.zone === zone)) throw notFound(`loudspeaker zone "${zone}" of edge ${edgeId}`);
    const radio = config.body.radio!;
    const next = speakers.map((s) => {
      if (s.zone !== zone) return s;
      const out = { ...s, ...(change.volume !== undefined ? { volume: change.volume } : {}) };
      if (change.muted === true) out.muted = true;
      else if (change.muted === false) delete out.muted; // absent = not muted, as a box before issue 13 reads it
      return out;
    });
    await this.deps.fleet.setConfig(edgeId, { ...config.body, radio: { ...radio, speakers: next } });
    return (await this.zonesOf(edge, await this.deps.alarms.active())).find((z) => z.zone === zone)!;
  }

  /** `openAlarms`: the alarms on now (read once for a whole list of boxes). */
  private async zonesOf(edge: Edge, openAlarms: readonly SpeakerAlarm[]): Promise<ZoneView[]> {
    const config = await this.deps.documents.get(edge.id, 'config');
    const speakers = config?.body.radio?.speakers ?? [];
    const alarms = openAlarms.filter((a) => a.edgeId === edge.id);
    const applied = config !== null && config.reported?.version === config.version && config.reported.status === 'applied';
    const zones = [...new Set(speakers.map((s) => s.zone))];
    return zones.map((zone) => {
      const mine = speakers.filter((s) => s.zone === zone);
      const alarm = alarms.find((a) => a.zone === zone);
      return {
        edgeId: edge.id,
        edgeName: edge.name,
        hamletCode: edge.hamletCode,
        hamletName: edge.hamletName,
        zone,
        volume: mine[0]!.volume,
        muted: mine.every((s) => s.muted === true),
        outputs: mine.map((s) => ({ driver: s.driver, target: s.target })),
        reported: edge.telemetry?.speakers?.find((s) => s.zone === zone) ?? null,
        applied,
        alarm: alarm ? { state: alarm.state, reason: alarm.reason, downSince: alarm.downSince, raisedAt: alarm.raisedAt } : null,
      };
    });
  }
}
