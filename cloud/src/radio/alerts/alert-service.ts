import { newId, topics, type AlertMessage, type AlertTargets } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../../broker/link.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { capContent, chooseInfo } from '../cap/cap-content.js';
import { parseCap, type CapAlert } from '../cap/cap-parser.js';
import type { DirectoryHamlet, EdgeDirectory } from '../plan/edge-directory.js';
import { defaultRepeatMs, type AlertKind, type AlertSeverity } from './alert-kinds.js';
import { cancelMessage, startMessage } from './alert-messages.js';
import type { AlertLead } from './alert-lead.js';
import type { AlertSpeech } from './alert-speech.js';
import type { Alert, AlertStatus, AlertStore } from './alert-store.js';

/** A CAP message without `expires` sounds for this long. */
const CAP_DEFAULT_TTL_MS = 6 * 3_600_000;

export interface JsonAlertInput {
  title?: string;
  text: string;
  severity: AlertSeverity;
  kind?: AlertKind;
  targets: { all?: boolean; hamlets?: string[]; edges?: string[] };
  /** Absent: every 2 hours for storms and floods, once otherwise; null: once. */
  repeatEveryMinutes?: number | null;
  expiresAt: number;
  volume?: number;
  voice?: string;
  speed?: number;
}

interface AlertSpec {
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  targets: AlertTargets;
  repeatEveryMs: number | null;
  expiresAt: number;
  volume: number;
  voice?: string;
  speed?: number;
  origin: 'json' | 'cap';
  cap: { identifier: string; sender: string } | null;
  version: number;
  replaces: string | null;
}

export interface AlertServiceDeps {
  store: AlertStore;
  directory: EdgeDirectory;
  broker: BrokerLink;
  /** Turns the alert text into a stored, loudness-normalised bulletin. */
  speech: AlertSpeech;
  logger: Logger;
  now(): number;
  /** Delay between the broadcast and the first sound, so every edge can fetch and decode the audio first. */
  lead: AlertLead;
  /** Called after every change, so the edges' plans follow (an offline edge still gets the repetitions). */
  changed(): Promise<unknown>;
}

const notPlayed = (message: string) => new ApiError(422, 'not_played', message);
const uniq = (xs: readonly string[] = []) => [...new Set(xs)].sort();

/** A title from the text when none is given: its first sentence, at most 80 characters. */
const titleFrom = (text: string) => (text.split(/(?<=[.!?])\s|\n/)[0] ?? text).trim().slice(0, 80);

/** Emergency alerts: spoken, stored, broadcast to every edge at once and placed in the plans. */
export class AlertService {
  private capQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AlertServiceDeps) {}

  list(filter: { status?: AlertStatus; limit: number }): Alert[] {
    this.expire();
    return this.deps.store.list(filter);
  }

  get(id: string): Alert {
    this.expire();
    return this.deps.store.get(id);
  }

  /** Marks alerts past their expiry as expired. */
  expire(): number {
    return this.deps.store.expire(this.deps.now());
  }

  /** The hamlets an alert reaches (through its hamlets, its edges, or the whole commune). */
  hamletsOf(alert: Alert): DirectoryHamlet[] {
    const hamlets = this.deps.directory.hamlets();
    if (alert.targets.all) return hamlets;
    const hamletOf = this.deps.directory.hamletOfEdge();
    const codes = new Set([...alert.targets.hamlets, ...alert.targets.edges.map(hamletOf)]);
    return hamlets.filter((h) => codes.has(h.code));
  }

  async createFromJson(input: JsonAlertInput, createdBy: string | null): Promise<Alert> {
    const targets: AlertTargets = input.targets.all ? { all: true, hamlets: [], edges: [] } : { all: false, hamlets: uniq(input.targets.hamlets), edges: uniq(input.targets.edges) };
    if (!targets.all && targets.hamlets.length === 0 && targets.edges.length === 0) throw badRequest('targets must be all, or name hamlets or edges');
    if (targets.hamlets.length) this.deps.directory.assertTargetsExist({ hamlets: targets.hamlets });
    if (targets.edges.length) this.deps.directory.assertTargetsExist({ edges: targets.edges });
    if (input.expiresAt <= this.deps.now() + this.deps.lead.ms) throw badRequest('expiresAt must be in the future', [{ path: 'expiresAt', message: 'already past' }]);
    const kind = input.kind ?? 'other';
    return this.start(
      {
        title: input.title ?? titleFrom(input.text),
        text: input.text,
        severity: input.severity,
        kind,
        targets,
        repeatEveryMs: input.repeatEveryMinutes === undefined ? defaultRepeatMs(kind) : input.repeatEveryMinutes === null ? null : input.repeatEveryMinutes * 60_000,
        expiresAt: input.expiresAt,
        volume: input.volume ?? 100,
        voice: input.voice,
        speed: input.speed,
        origin: 'json',
        cap: null,
        version: 1,
        replaces: null,
      },
      [],
      createdBy,
    );
  }

  /**
   * A CAP 1.2 message: Alert starts a new alert, Update replaces the alerts it references (a new
   * alert with the next version), Cancel cancels them. Only status Actual and scope Public are
   * played. A message already received (same sender and identifier) returns its alert unchanged.
   * Messages are handled one at a time, so a feed that sends one twice, or an Update right after
   * its Alert, is taken in order.
   */
  receiveCap(xml: string, createdBy: string | null): Promise<{ alert: Alert; created: boolean }> {
    const run = this.capQueue.then(() => this.handleCap(xml, createdBy));
    this.capQueue = run.catch(() => undefined);
    return run;
  }

  private async handleCap(xml: string, createdBy: string | null): Promise<{ alert: Alert; created: boolean }> {
    const parsed = parseCap(xml);
    if (!parsed.ok) throw badRequest(`invalid CAP message: ${parsed.reason}`, { problems: parsed.problems });
    const cap = parsed.alert;
    if (cap.status !== 'Actual') throw notPlayed(`CAP status ${cap.status}: only Actual alerts are played on the loudspeakers`);
    if (cap.scope !== 'Public') throw notPlayed(`CAP scope ${cap.scope}: only Public alerts are played on the loudspeakers`);
    if (cap.msgType === 'Ack' || cap.msgType === 'Error') throw notPlayed(`CAP msgType ${cap.msgType} has nothing to play`);
    const known = this.deps.store.findByCap(cap.sender, cap.identifier);
    if (known) return { alert: known, created: false };

    const earlier = cap.msgType === 'Alert' ? [] : this.referencedAlerts(cap);
    if (cap.msgType === 'Cancel') {
      for (const alert of earlier) await this.cancelAlert(alert);
      await this.deps.changed();
      return { alert: this.deps.store.get(earlier[0]!.id), created: false };
    }
    const content = capContent(chooseInfo(cap)!, this.deps.directory.hamlets());
    if ('error' in content) throw badRequest(`invalid CAP message: ${content.error}`);
    const expiresAt = content.expiresAt ?? this.deps.now() + CAP_DEFAULT_TTL_MS;
    const alert = await this.start(
      {
        ...content,
        targets: { ...content.targets, edges: [] },
        repeatEveryMs: defaultRepeatMs(content.kind),
        expiresAt,
        volume: 100,
        origin: 'cap',
        cap: { identifier: cap.identifier, sender: cap.sender },
        version: Math.max(0, ...earlier.map((a) => a.version)) + 1,
        replaces: earlier[0]?.id ?? null,
      },
      earlier,
      createdBy,
    );
    return { alert, created: true };
  }

  /** Cancels an alert: every edge stops it and drops its remaining repetitions. */
  async cancel(id: string): Promise<Alert> {
    await this.cancelAlert(this.deps.store.get(id));
    await this.deps.changed();
    return this.deps.store.get(id);
  }

  /** The current alerts (following replacements) that a CAP Update or Cancel references, newest first. */
  private referencedAlerts(cap: CapAlert): Alert[] {
    const found = new Map<string, Alert>();
    for (const ref of cap.references) {
      let alert = this.deps.store.findByCap(ref.sender, ref.identifier);
      while (alert?.replacedBy) alert = this.deps.store.get(alert.replacedBy);
      if (alert) found.set(alert.id, alert);
    }
    if (found.size === 0) {
      const refs = cap.references.map((r) => `${r.sender},${r.identifier},${r.sent}`).join(' ');
      throw new ApiError(422, 'unknown_reference', `the CAP ${cap.msgType} references no alert received here (${refs})`);
    }
    return [...found.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  private async start(spec: AlertSpec, replacing: Alert[], createdBy: string | null): Promise<Alert> {
    const { store, logger } = this.deps;
    if (spec.expiresAt <= this.deps.now() + this.deps.lead.ms) throw notPlayed('the alert expires before it could start');
    let spoken;
    try {
      spoken = await this.deps.speech.speak({ title: spec.title, text: spec.text, voice: spec.voice, speed: spec.speed, createdBy });
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (err instanceof ApiError || (typeof status === 'number' && status < 500)) throw err; // the operator's to correct (voice, speed, length)
      logger.error({ err }, 'alert speech failed');
      throw new ApiError(502, 'speech_failed', `the alert could not be spoken: ${(err as Error).message}`);
    }
    if (spec.repeatEveryMs !== null && spec.repeatEveryMs <= spoken.durationMs) {
      throw badRequest(`the alert lasts ${Math.ceil(spoken.durationMs / 1000)} s: it cannot repeat every ${spec.repeatEveryMs / 60_000} minutes`);
    }
    const now = this.deps.now();
    const id = newId('alr');
    const leadMs = this.deps.lead.take(id);
    store.transaction(() => {
      store.insert({
        id,
        version: spec.version,
        title: spec.title,
        text: spec.text,
        severity: spec.severity,
        kind: spec.kind,
        origin: spec.origin,
        capIdentifier: spec.cap?.identifier ?? null,
        capSender: spec.cap?.sender ?? null,
        bulletinId: spoken.bulletinId,
        priority: 'emergency',
        volume: spec.volume,
        repeatEveryMs: spec.repeatEveryMs,
        startsAt: now + leadMs,
        expiresAt: spec.expiresAt,
        targets: spec.targets,
        createdBy,
        createdAt: now,
        replaces: spec.replaces,
      });
      for (const earlier of replacing) store.cancel(earlier.id, now);
    });
    for (const earlier of replacing) if (earlier.status === 'active') await this.broadcast(cancelMessage(earlier));
    const alert = store.get(id);
    await this.broadcast(startMessage(alert));
    logger.warn({ alertId: id, version: alert.version, title: alert.title, targets: alert.targets, replaces: spec.replaces }, 'emergency alert started');
    await this.deps.changed();
    return alert;
  }

  private async cancelAlert(alert: Alert): Promise<void> {
    if (!this.deps.store.cancel(alert.id, this.deps.now())) return;
    await this.broadcast(cancelMessage(alert));
    this.deps.logger.warn({ alertId: alert.id }, 'emergency alert cancelled');
  }

  /** QoS 1, not retained: an edge that misses it learns the alert from its plan instead. */
  private async broadcast(message: AlertMessage): Promise<void> {
    try {
      await this.deps.broker.publish(topics.broadcast('alert'), JSON.stringify(message), { qos: 1, retain: false });
    } catch (err) {
      this.deps.logger.error({ err, alertId: message.alertId, action: message.action }, 'alert broadcast failed; the plans still carry it');
    }
  }
}
