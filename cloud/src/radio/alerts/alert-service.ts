import { newId, topics, type AlertMessage, type AlertTargets, type Priority } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { BrokerLink } from '../../broker/link.js';
import type { DomainEventBus } from '../../events/event-bus.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { assertMayChange, assertSees, type Scoped } from '../../communes/scope.js';
import type { TargetsInput } from '../target-area.js';
import type { RiskLevel } from '../cap/cap-priority.js';
import type { DirectoryHamlet, EdgeDirectory } from '../plan/edge-directory.js';
import { defaultRepeatMs, type AlertKind, type AlertSeverity } from './alert-kinds.js';
import { cancelMessage, startMessage } from './alert-messages.js';
import type { AlertLead } from './alert-lead.js';
import type { AlertSpeech } from './alert-speech.js';
import type { Alert, AlertStatus, AlertStore } from './alert-store.js';
import { CapIntake, titleFrom, type CapIntakeDeps, type CapReceipt, type CapReceiveOptions, type ConfirmInput, type Person } from './cap-intake.js';
import type { HeldAlert, HeldStatus } from './held-store.js';

export interface JsonAlertInput {
  title?: string;
  text: string;
  severity: AlertSeverity;
  kind?: AlertKind;
  /** `all`: the whole area of the person (the province, or their commune); `communes`: province-level people only. */
  targets: TargetsInput;
  /** Absent: every 2 hours for storms and floods, once otherwise; null: once. */
  repeatEveryMinutes?: number | null;
  expiresAt: number;
  volume?: number;
  voice?: string;
  speed?: number;
}

export interface AlertSpec {
  title: string;
  text: string;
  severity: AlertSeverity;
  kind: AlertKind;
  /** Thông tư 39/2020 level: emergency for JSON alerts; from urgency, severity and certainty for CAP. */
  priority: Priority;
  /** QĐ 18/2021 disaster risk level, CAP natural disasters only. */
  riskLevel: RiskLevel | null;
  targets: AlertTargets;
  repeatEveryMs: number | null;
  /** Epoch ms: start no earlier (a CAP `effective` in the future); null: as soon as the boxes are ready. */
  notBefore: number | null;
  expiresAt: number;
  volume: number;
  voice?: string;
  speed?: number;
  origin: 'json' | 'cap';
  cap: { identifier: string; sender: string } | null;
  version: number;
  replaces: string | null;
  /** The commune it belongs to; null: the province's own (issuer province). */
  communeCode: string | null;
}

/** Who acts: their user id and where they stand in the province. */
export interface Actor extends Scoped {
  id: string;
}

export interface AlertServiceDeps extends Omit<CapIntakeDeps, 'changed'> {
  store: AlertStore;
  directory: EdgeDirectory;
  broker: BrokerLink;
  /** Where alerts starting and stopping are published. */
  bus: DomainEventBus;
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

/** Emergency alerts: spoken, stored, broadcast to every edge at once and placed in the plans. */
export class AlertService {
  private readonly cap: CapIntake;

  constructor(private readonly deps: AlertServiceDeps) {
    this.cap = new CapIntake(deps, { start: (spec, replacing, createdBy) => this.start(spec, replacing, createdBy), cancel: (alert) => this.cancelAlert(alert) });
  }

  /** What `viewer` sees: a commune's people their commune's alerts and the province's; province-level people all. */
  async list(filter: { status?: AlertStatus; limit: number }, viewer: Scoped): Promise<Alert[]> {
    await this.expire();
    return this.deps.store.list({ ...filter, ...(viewer.communeCode !== null ? { commune: viewer.communeCode } : {}) });
  }

  /** Another commune's alert answers as one that does not exist. */
  async get(id: string, viewer: Scoped): Promise<Alert> {
    await this.expire();
    const alert = await this.deps.store.get(id);
    assertSees(viewer, alert.communeCode, `alert ${id}`);
    return alert;
  }

  /** Marks alerts, and held messages, past their expiry as expired. */
  async expire(): Promise<number> {
    const expired = await this.deps.store.expire(this.deps.now());
    for (const { id, expiresAt } of expired) this.deps.bus.publish('alert.stopped', { alertId: id, reason: 'expired', at: expiresAt });
    return expired.length + (await this.deps.held.expire(this.deps.now()));
  }

  /**
   * The hamlets an alert reaches (through its hamlets, its edges, its commune or the whole province);
   * for a commune's person only those of their commune (a province alert reaches others too).
   */
  async hamletsOf(alert: Alert, viewer?: Scoped): Promise<DirectoryHamlet[]> {
    let hamlets = await this.deps.directory.hamlets();
    if (viewer && viewer.communeCode !== null) {
      const theirs = new Set(await this.deps.area.hamletsOf(viewer.communeCode));
      hamlets = hamlets.filter((h) => theirs.has(h.code));
    }
    if (alert.reach.all) return hamlets;
    const hamletOf = await this.deps.directory.hamletOfEdge();
    const codes = new Set([...alert.reach.hamlets, ...alert.reach.edges.map(hamletOf)]);
    return hamlets.filter((h) => codes.has(h.code));
  }

  /** A JSON alert from `by`: a province-level person's is the province's (issuer province), a commune's person's their commune's. */
  async createFromJson(input: JsonAlertInput, by: Actor): Promise<Alert> {
    const targets: AlertTargets = await this.deps.area.resolve(input.targets, by);
    if (input.expiresAt <= this.deps.now() + this.deps.lead.ms) throw badRequest('expiresAt must be in the future', [{ path: 'expiresAt', message: 'already past' }]);
    const kind = input.kind ?? 'other';
    return this.start(
      {
        title: input.title ?? titleFrom(input.text),
        text: input.text,
        severity: input.severity,
        kind,
        priority: 'emergency',
        riskLevel: null,
        targets,
        repeatEveryMs: input.repeatEveryMinutes === undefined ? defaultRepeatMs(kind) : input.repeatEveryMinutes === null ? null : input.repeatEveryMinutes * 60_000,
        notBefore: null,
        expiresAt: input.expiresAt,
        volume: input.volume ?? 100,
        voice: input.voice,
        speed: input.speed,
        origin: 'json',
        cap: null,
        version: 1,
        replaces: null,
        communeCode: by.communeCode,
      },
      [],
      by.id,
    );
  }

  /**
   * A CAP 1.2 message, from an operator (createdBy: their user id) or a feed (createdBy null or a
   * marker; options.source names the feed). Alert starts a new alert, Update replaces the alerts it
   * references (a new alert with the next version), Cancel cancels them. Only status Actual and
   * scope Public are played; stale, expired and elsewhere's messages are refused; one whose areas
   * cannot be placed, without Vietnamese, or from a sender not trusted is held for an operator. A
   * message already received (same sender and identifier) returns what it became, unchanged.
   * Messages are handled one at a time, in order.
   */
  receiveCap(xml: string, createdBy: string | null, options: CapReceiveOptions = {}): Promise<CapReceipt> {
    return this.cap.receive(xml, createdBy, options);
  }

  /** Held messages: a commune's people see their commune's only (the province's own are the province operators' to judge). */
  async listHeld(filter: { status?: HeldStatus; limit: number }, viewer: Scoped): Promise<HeldAlert[]> {
    await this.expire();
    return this.deps.held.list({ ...filter, ...(viewer.communeCode !== null ? { commune: viewer.communeCode } : {}) });
  }

  async getHeld(id: string, viewer: Scoped): Promise<HeldAlert> {
    await this.expire();
    const held = await this.deps.held.get(id);
    assertSees(viewer, held.communeCode, `held alert ${id}`, { provinceItems: false });
    return held;
  }

  /** An operator confirms a held CAP message: its hamlets and Vietnamese text as chosen; the alert starts. */
  confirmHeld(id: string, input: ConfirmInput, by: Person, ip: string | null): Promise<{ held: HeldAlert; alert: Alert }> {
    return this.cap.confirm(id, input, by, ip);
  }

  rejectHeld(id: string, note: string | null, by: Person, ip: string | null): Promise<HeldAlert> {
    return this.cap.reject(id, note, by, ip);
  }

  /** Cancels an alert: every edge stops it and drops its remaining repetitions. A commune's people cancel only their commune's. */
  async cancel(id: string, by: Scoped): Promise<Alert> {
    const alert = await this.deps.store.get(id);
    assertMayChange(by, alert.communeCode, `alert ${id}`);
    await this.cancelAlert(alert);
    await this.deps.changed();
    return this.deps.store.get(id);
  }

  private async start(spec: AlertSpec, replacing: Alert[], createdBy: string | null): Promise<Alert> {
    const { store, logger } = this.deps;
    if (spec.expiresAt <= Math.max(this.deps.now() + this.deps.lead.ms, spec.notBefore ?? 0)) throw notPlayed('the alert expires before it could start');
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
    // a start scheduled later than the lead says nothing about how long the boxes need: not learned from
    const scheduled = spec.notBefore !== null && spec.notBefore > now + this.deps.lead.ms;
    const startsAt = scheduled ? spec.notBefore! : now + this.deps.lead.take(id);
    // stored (and the replaced ones cancelled) in one transaction before anything is published to the boxes
    const replacedIds = await store.insert(
      {
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
        priority: spec.priority,
        riskLevel: spec.riskLevel,
        volume: spec.volume,
        repeatEveryMs: spec.repeatEveryMs,
        startsAt,
        expiresAt: spec.expiresAt,
        targets: spec.targets,
        createdBy,
        createdAt: now,
        replaces: spec.replaces,
        communeCode: spec.communeCode,
      },
      { ids: replacing.map((earlier) => earlier.id), at: now },
    );
    const replaced = replacing.filter((earlier) => replacedIds.includes(earlier.id));
    for (const earlier of replaced) {
      await this.broadcast(cancelMessage(earlier));
      this.deps.bus.publish('alert.stopped', { alertId: earlier.id, reason: 'replaced', at: now });
    }
    const alert = await store.get(id);
    await this.broadcast(startMessage(alert));
    const { version, priority, severity, kind, origin, expiresAt, replaces } = alert;
    const hamletCodes = (await this.hamletsOf(alert)).map((h) => h.code);
    this.deps.bus.publish('alert.started', { alertId: id, version, priority, severity, kind, origin, hamletCodes, startsAt, expiresAt, replaces });
    logger.warn({ alertId: id, version: alert.version, title: alert.title, targets: alert.targets, issuer: alert.issuer, communeCode: alert.communeCode, replaces: spec.replaces }, 'emergency alert started');
    await this.deps.changed();
    return alert;
  }

  private async cancelAlert(alert: Alert): Promise<void> {
    const now = this.deps.now();
    if (!(await this.deps.store.cancel(alert.id, now))) return;
    await this.broadcast(cancelMessage(alert));
    this.deps.bus.publish('alert.stopped', { alertId: alert.id, reason: 'cancelled', at: now });
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
