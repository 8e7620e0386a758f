import { createHash } from 'node:crypto';
import type { QueryDatabase } from '../../db/query/index.js';
import type { Logger } from '@smart-commune/shared/runtime';
import type { DomainEvents } from '../../events/domain-events.js';
import type { DomainEventBus, Unsubscribe } from '../../events/event-bus.js';
import type { NewOutboxMessage, NotificationContent, OutboxWriter } from '../channel.js';
import { Cooldowns } from './cooldowns.js';
import { DeferredChecks } from './deferred-checks.js';
import * as text from './push-messages.js';
import type { PushOptions } from './push-sender.js';
import { itemPath } from './push-paths.js';
import { EMERGENCY_KINDS, inScope, quietHoursEnd, type PushKind, type PushScope } from './preferences.js';
import type { SubjectNames } from './subject-names.js';
import type { SubscriptionStore } from './subscription-store.js';

export const WEBPUSH_CHANNEL = 'webpush';

export interface StaffRulesSettings {
  offlineAfterMs: number;
  alertStartMs: number;
  deviceCooldownMs: number;
  incidentCooldownMs: number;
}

export interface StaffRulesDeps {
  query: QueryDatabase;
  subscriptions: SubscriptionStore;
  names: SubjectNames;
  settings: StaffRulesSettings;
  logger: Logger;
  now?: () => number;
}

/** How long a push service keeps each kind for a phone that is off: an old "box offline" is noise, a missed alert is not. */
const TTL_S: Readonly<Record<PushKind, number>> = { incident: 12 * 3600, device: 6 * 3600, alert_not_started: 3600, speaker: 6 * 3600 };

/** RFC 8030 Topic: at most 32 URL-safe characters, so a digest of the subject. */
const topicOf = (subject: string) => createHash('sha256').update(subject).digest('base64url').slice(0, 32);

/** A box, one of its cameras, or one of its loudspeaker zones. */
export type Device = { what: 'edge' | 'camera' | 'speaker'; edgeId: string; cameraId?: string; zone?: string };

const deviceSubject = (d: Device) => (d.what === 'edge' ? `edge:${d.edgeId}` : d.what === 'camera' ? `camera:${d.edgeId}/${d.cameraId}` : `speaker:${d.edgeId}/${d.zone}`);

/**
 * The staff rules: which domain events become whose pushes. Police hear of new alert incident items,
 * technicians of boxes and cameras offline longer than the delay and back, technicians and operators
 * of a loudspeaker zone alarm (down longer than SC_SPEAKER_ALARM_AFTER_S, raised by the fleet) and its end, operators of an emergency
 * alert a targeted hamlet did not start in time. Each person's kinds, hamlets and cameras (their
 * preferences: none chosen = the whole commune), quiet hours (notBefore in the
 * outbox; emergencies go at once) and cooldowns apply; each device gets its own message, keyed
 * `<event key>:<subscription id>`.
 *
 * Handlers are async (the stores are on the query layer): the events of one device (offline, online,
 * alarm) and of one alert run one after another in the order published, as they did when they were
 * synchronous, though the bus queues each event name apart.
 */
export class StaffRules {
  private readonly cooldowns: Cooldowns;
  private readonly checks: DeferredChecks;
  private readonly now: () => number;
  private unsubscribes: Unsubscribe[] = [];
  private outbox: OutboxWriter | null = null;
  /** The last handler queued for each device or alert: the next one of the same subject waits for it. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: StaffRulesDeps) {
    this.now = deps.now ?? Date.now;
    this.cooldowns = new Cooldowns(deps.query);
    this.checks = new DeferredChecks(deps.query, deps.logger, this.now);
  }

  /** Runs `step` after the previous step of `subject` (errors stay with the step that threw: the bus logs them). */
  private serial(subject: string, step: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(subject) ?? Promise.resolve();
    const run = previous.then(step);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(subject, settled);
    void settled.then(() => {
      if (this.chains.get(subject) === settled) this.chains.delete(subject);
    });
    return run;
  }

  /**
   * Whether the subject is in the person's commune (issue 10): a commune's staff are told only of
   * their commune's hamlets (an alert reaching several communes: of their part of it); a subject of no
   * known hamlet (a box not placed yet) only to the province's staff, who hear of every commune.
   */
  private inCommune(person: { communeCode: string | null }, scope: PushScope, hamletCommunes: ReadonlyMap<string, string | null>): boolean {
    if (person.communeCode === null) return true;
    return scope.hamletCodes.some((code) => hamletCommunes.get(code) === person.communeCode);
  }

  async start(bus: DomainEventBus, outbox: OutboxWriter): Promise<void> {
    this.outbox = outbox;
    const on = <K extends keyof DomainEvents>(name: K, handler: (payload: DomainEvents[K]) => Promise<void>) =>
      this.unsubscribes.push(bus.subscribe(name, handler, WEBPUSH_CHANNEL));
    const device = (d: Device, step: () => Promise<void>) => this.serial(deviceSubject(d), step);
    const alert = (alertId: string, step: () => Promise<void>) => this.serial(`alert:${alertId}`, step);
    on('incident.opened', (e) => this.incidentOpened(e));
    on('edge.offline', (e) => device({ what: 'edge', edgeId: e.edgeId }, () => this.wentOffline({ what: 'edge', edgeId: e.edgeId }, e.at)));
    on('edge.online', (e) => device({ what: 'edge', edgeId: e.edgeId }, () => this.cameBack({ what: 'edge', edgeId: e.edgeId }, e.at)));
    on('camera.offline', (e) => {
      const d: Device = { what: 'camera', edgeId: e.edgeId, cameraId: e.cameraId };
      return device(d, () => this.wentOffline(d, e.at));
    });
    on('camera.online', (e) => {
      const d: Device = { what: 'camera', edgeId: e.edgeId, cameraId: e.cameraId };
      return device(d, () => this.cameBack(d, e.at));
    });
    // a zone's delay is the fleet's alarm (the same one the console's banner shows): told when it is raised and when it ends
    on('speaker.alarm.raised', (e) => {
      const d: Device = { what: 'speaker', edgeId: e.edgeId, zone: e.zone };
      return device(d, () => this.devicePush(d, 'offline', e.at, e.downSince));
    });
    on('speaker.alarm.cleared', (e) => {
      const d: Device = { what: 'speaker', edgeId: e.edgeId, zone: e.zone };
      return device(d, () => this.devicePush(d, 'online', e.at));
    });
    on('alert.started', (e) => alert(e.alertId, () => this.alertStarted(e)));
    on('alert.delivered', (e) => alert(e.alertId, () => this.alertDelivered(e)));
    on('alert.stopped', (e) => alert(e.alertId, () => this.checks.cancelPrefix(`alert:${e.alertId}:`)));
    await this.checks.start((key, payload) => this.due(key, payload));
  }

  async stop(): Promise<void> {
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe()));
    this.unsubscribes = [];
    await this.checks.stop();
  }

  // ---- incidents: police

  private async incidentOpened(e: DomainEvents['incident.opened']): Promise<void> {
    // a mere detection is for the review queue, not a phone in the night; an item continuing a long
    // one (cut at the rule's maxSeconds) is the same activity the officer was already told of
    if (e.severity === 'detection' || e.continues !== null) return;
    const edge = await this.deps.names.edge(e.edgeId);
    const camera = await this.deps.names.camera(e.edgeId, e.cameraId);
    const content = text.incidentOpened({ incidentId: e.incidentId, label: e.label, camera, edge: edge.name, hamlet: (await this.deps.names.hamlet(e.hamletCode)) ?? edge.hamlet });
    const subject = `camera:${e.edgeId}/${e.cameraId}`;
    // the item's own hamlet (where the camera was when it saw it), else the box's today
    const hamletCode = e.hamletCode ?? edge.hamletCode;
    const scope: PushScope = { hamletCodes: hamletCode ? [hamletCode] : [], camera: `${e.edgeId}/${e.cameraId}` };
    await this.notify('incident', `incident:${e.incidentId}`, 'incident.opened', `incident.opened:${e.incidentId}`, content, scope, (userId) =>
      this.cooldowns.single(userId, 'incident', subject, this.now(), this.deps.settings.incidentCooldownMs),
      { summary: { subject, payload: { kind: 'incident', subject, edgeId: e.edgeId, cameraId: e.cameraId } } },
    );
  }

  // ---- boxes and cameras: technicians

  private async wentOffline(device: Device, at: number): Promise<void> {
    // told only if still offline after the delay: the check is cancelled if it comes back first
    await this.checks.schedule(`offline:${deviceSubject(device)}`, at + this.deps.settings.offlineAfterMs, { type: 'offline', ...device, at });
  }

  private async cameBack(device: Device, at: number): Promise<void> {
    if (await this.checks.cancel(`offline:${deviceSubject(device)}`)) return; // back within the delay: nobody was told, nobody needs to be
    await this.devicePush(device, 'online', at);
  }

  private async devicePush(device: Device, state: 'offline' | 'online', at: number, offlineSince?: number): Promise<void> {
    const subject = deviceSubject(device);
    const info = await this.describe(device);
    const content = state === 'offline' ? text.deviceOffline(info, this.now() - (offlineSince ?? at)) : text.deviceOnline(info);
    const event = `${device.what}.${state}`;
    const kind: PushKind = device.what === 'speaker' ? 'speaker' : 'device';
    const hamletCode = (await this.deps.names.edge(device.edgeId)).hamletCode;
    const scope: PushScope = { hamletCodes: hamletCode ? [hamletCode] : [], ...(device.what === 'camera' ? { camera: `${device.edgeId}/${device.cameraId}` } : {}) };
    await this.notify(kind, subject, event, `${event}:${subject}:${at}`, content, scope, (userId) =>
      this.cooldowns.pair(userId, kind, subject, state, this.now(), this.deps.settings.deviceCooldownMs),
      { summary: { subject, payload: { kind, subject, ...device } }, topic: subject },
    );
  }

  private async describe(device: Device): Promise<text.DeviceSubject> {
    const edge = await this.deps.names.edge(device.edgeId);
    if (device.what === 'edge') return { what: 'edge', name: edge.name, hamlet: edge.hamlet, path: itemPath.edge(device.edgeId), tag: deviceSubject(device) };
    if (device.what === 'speaker') return { what: 'speaker', name: `${device.zone} (${edge.name})`, hamlet: edge.hamlet, path: itemPath.speakers(), tag: deviceSubject(device) };
    const camera = await this.deps.names.camera(device.edgeId, device.cameraId!);
    return { what: 'camera', name: `${camera} (${edge.name})`, hamlet: edge.hamlet, path: itemPath.camera(device.edgeId, device.cameraId!), tag: deviceSubject(device) };
  }

  // ---- emergency alerts: operators

  private async alertStarted(e: DomainEvents['alert.started']): Promise<void> {
    if (e.replaces) await this.checks.cancelPrefix(`alert:${e.replaces}:`);
    if (e.hamletCodes.length === 0) return;
    const dueAt = Math.max(this.now(), e.startsAt) + this.deps.settings.alertStartMs;
    await this.checks.schedule(`alert:${e.alertId}:${e.version}`, dueAt, { type: 'alert', alertId: e.alertId, version: e.version, waiting: e.hamletCodes });
  }

  private async alertDelivered(e: DomainEvents['alert.delivered']): Promise<void> {
    for (const key of await this.checks.keys(`alert:${e.alertId}:`)) {
      // compare-and-set on the payload read: another process striking another hamlet off meanwhile makes this read again
      for (let attempt = 0; attempt < 5; attempt++) {
        const payload = await this.checks.payload(key);
        if (!payload) break;
        const waiting = (payload.waiting as string[]).filter((code) => code !== e.hamletCode);
        if (waiting.length === (payload.waiting as string[]).length) break;
        const done = waiting.length === 0 ? await this.checks.cancelIf(key, payload) : await this.checks.update(key, payload, { ...payload, waiting });
        if (done) break;
      }
    }
  }

  // ---- due checks

  private async due(key: string, payload: Record<string, unknown>): Promise<void> {
    if (payload.type === 'offline') {
      const device = payload as unknown as Device & { at: number };
      if (!(await this.deps.names.stillOffline(device))) return;
      await this.devicePush({ what: device.what, edgeId: device.edgeId, cameraId: device.cameraId, zone: device.zone }, 'offline', device.at, device.at);
    } else if (payload.type === 'alert') {
      const waiting = payload.waiting as string[];
      const alertId = payload.alertId as string;
      const content = text.alertNotStarted({
        alertId,
        title: await this.deps.names.alertTitle(alertId),
        hamlets: await Promise.all(waiting.map(async (code) => (await this.deps.names.hamlet(code)) ?? code)),
        afterMs: this.deps.settings.alertStartMs,
      });
      // an operator of some hamlets hears of it when one of theirs is among those that did not start
      await this.notify('alert_not_started', `alert:${alertId}`, 'alert.started', `alert.not_started:${alertId}:${String(payload.version)}`, content, { hamletCodes: waiting }, async () => ({ send: true }), {});
    } else if (payload.type === 'summary') {
      await this.summarise(payload);
    } else {
      this.deps.logger.warn({ check: key }, 'unknown deferred push check dropped');
    }
  }

  private async summarise(payload: Record<string, unknown>): Promise<void> {
    const userId = payload.userId as string;
    const kind = payload.kind as PushKind;
    const subject = payload.subject as string;
    const summary = await this.cooldowns.close(userId, kind, subject, this.now());
    if (!summary) return;
    let content: NotificationContent;
    if (kind === 'incident') {
      const edgeId = payload.edgeId as string;
      content = text.incidentsSummary({
        count: summary.suppressed,
        camera: await this.deps.names.camera(edgeId, payload.cameraId as string),
        edge: (await this.deps.names.edge(edgeId)).name,
        windowMs: this.deps.settings.incidentCooldownMs,
      });
    } else {
      const device = { what: payload.what as Device['what'], edgeId: payload.edgeId as string, cameraId: payload.cameraId as string | undefined, zone: payload.zone as string | undefined };
      content = text.deviceSummary(await this.describe(device), { changes: summary.suppressed, windowMs: this.deps.settings.deviceCooldownMs, offlineNow: summary.currentState === 'offline' });
    }
    const recipient = await this.deps.subscriptions.recipient(userId);
    if (!recipient) return; // no device left, or the account was disabled
    const prefs = recipient.preferences;
    if (!prefs.kinds.includes(kind)) return;
    await this.outbox?.enqueue(this.messages(kind, recipient.subscriptionIds, subject, `${kind}.summary`, `summary:${kind}:${subject}:${userId}:${summary.windowStart}`, content, prefs.quietHours, subject));
  }

  // ---- fan-out

  /**
   * One event to everyone whose role and choices (kinds, hamlets and cameras) make it theirs: the cooldown decides per person;
   * one message per device. A person held back by the cooldown gets a summary at the window's end.
   */
  private async notify(
    kind: PushKind,
    subject: string,
    event: string,
    eventKey: string,
    content: NotificationContent,
    scope: PushScope,
    cooldown: (userId: string) => Promise<{ send: boolean; summaryAt?: number }>,
    options: { summary?: { subject: string; payload: Record<string, unknown> }; topic?: string },
  ): Promise<void> {
    // one query for everyone's devices and choices, one enqueue for all the messages; each cooldown
    // decision is its own statement (one transaction for all would hold the one SQLite connection, and
    // on PostgreSQL every person's cooldown row lock, for the whole fan-out)
    const [audience, hamletCommunes] = await Promise.all([this.deps.subscriptions.audience(), this.deps.names.hamletCommunes(scope.hamletCodes)]);
    const out: NewOutboxMessage[] = [];
    for (const { user, subscriptionIds, preferences: prefs } of audience) {
      if (!this.inCommune(user, scope, hamletCommunes) || !prefs.kinds.includes(kind) || !inScope(prefs, scope)) continue;
      const decision = await cooldown(user.id);
      if (!decision.send) {
        if (decision.summaryAt !== undefined && options.summary) {
          const s = options.summary;
          await this.checks.schedule(`summary:${user.id}:${kind}:${s.subject}`, decision.summaryAt, { type: 'summary', userId: user.id, ...s.payload });
        }
        continue;
      }
      out.push(...this.messages(kind, subscriptionIds, subject, event, eventKey, content, prefs.quietHours, options.topic));
    }
    if (out.length > 0) await this.outbox?.enqueue(out);
  }

  /** One message per device of a person, keyed `<event key>:<subscription id>`. */
  private messages(
    kind: PushKind,
    subscriptionIds: string[],
    subject: string,
    event: string,
    eventKey: string,
    content: NotificationContent,
    quietHours: Parameters<typeof quietHoursEnd>[0],
    topic?: string,
  ): NewOutboxMessage[] {
    const now = this.now();
    const notBefore = EMERGENCY_KINDS.has(kind) ? now : quietHoursEnd(quietHours, now);
    const push: PushOptions = { ttlS: TTL_S[kind], urgency: EMERGENCY_KINDS.has(kind) ? 'high' : 'normal', ...(topic ? { topic: topicOf(topic) } : {}) };
    return subscriptionIds.map((id) => ({
      channel: WEBPUSH_CHANNEL,
      idempotencyKey: `${eventKey}:${id}`,
      recipient: id,
      subject,
      event,
      content,
      data: { kind, push },
      ...(notBefore > now ? { notBefore } : {}),
    }));
  }
}
