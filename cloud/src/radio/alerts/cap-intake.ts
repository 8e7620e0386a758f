import { newId, type AlertTargets } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../../audit/audit-log.js';
import { ApiError, badRequest, conflict } from '../../http/errors.js';
import { assertMayChange, mayChange, sees } from '../../communes/scope.js';
import type { TargetArea } from '../target-area.js';
import type { CommunePlace } from '../cap/cap-areas.js';
import { parseCap, type CapAlert } from '../cap/cap-parser.js';
import { decideCap, type CapCandidate, type HoldReason } from '../cap/cap-rules.js';
import { verifyCapSignature } from '../cap/cap-signature.js';
import type { EdgeDirectory } from '../plan/edge-directory.js';
import type { AlertLead } from './alert-lead.js';
import type { AlertSpec } from './alert-service.js';
import type { Alert, AlertStore } from './alert-store.js';
import type { HeldAlert, HeldAlertStore } from './held-store.js';
import type { TrustedSenders } from './trusted-senders.js';

/** A CAP message without `expires` sounds for this long. */
export const CAP_DEFAULT_TTL_MS = 6 * 3_600_000;

export interface Person {
  id: string;
  username: string;
  /** Their commune; null for a province-level person. */
  communeCode: string | null;
}

export interface CapReceiveOptions {
  /** Where an automatic message came from (a CAP feed); absent for a message an operator posts. */
  source?: { kind: 'feed'; feedId: string };
}

/** What became of a CAP message: an alert (started, or already known, or cancelled), or a message held for an operator. */
export type CapReceipt = { kind: 'alert'; alert: Alert; created: boolean } | { kind: 'held'; held: HeldAlert; created: boolean };

export interface ConfirmInput {
  /** Absent: the hamlets the message's areas include. */
  targets?: { all?: boolean; hamlets?: string[] };
  title?: string;
  /** The Vietnamese words to read out; absent: the message's own Vietnamese text. */
  text?: string;
  note?: string;
}

export interface CapIntakeDeps {
  store: AlertStore;
  held: HeldAlertStore;
  trusted: TrustedSenders;
  directory: EdgeDirectory;
  /** Where alerts of a commune (or of the province, null) may go. */
  area: TargetArea;
  /**
   * The communes as areas are compared with them, read for each message (locations change): the
   * one commune given, or every commune of the province for null.
   */
  places(communeCode: string | null): Promise<CommunePlace[]>;
  /** The commune a CAP feed belongs to; null: the province's own feed. */
  communeOfFeed(feedId: string): Promise<string | null>;
  /** The admin or operator behind `createdBy`; null for anything else (a feed, a marker). */
  operator(userId: string | null): Promise<Person | null>;
  audit: AuditLog;
  /** Counts held messages by reason (sc_alerts_held_total). */
  heldCount(reason: HoldReason): void;
  logger: Logger;
  now(): number;
  lead: AlertLead;
  /** SC_CAP_MAX_AGE_S in ms. */
  capMaxAgeMs: number;
  changed(): Promise<unknown>;
}

/** What the intake needs of the alert service: starting an alert and cancelling one. */
export interface AlertStarter {
  start(spec: AlertSpec, replacing: Alert[], createdBy: string | null): Promise<Alert>;
  cancel(alert: Alert): Promise<void>;
}

const notPlayed = (message: string) => new ApiError(422, 'not_played', message);

/** A title from the text when none is given: its first sentence, at most 80 characters. */
export const titleFrom = (text: string) => (text.split(/(?<=[.!?])\s|\n/)[0] ?? text).trim().slice(0, 80);
const SYSTEM = 'system';

/**
 * CAP 1.2 messages, from an operator or a feed, through the same rules: status, scope and msgType;
 * freshness; geography; language; trusted sender. A message that passes plays; one that cannot be
 * judged, has no Vietnamese, or comes from a sender not on the list waits for an operator.
 */
export class CapIntake {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: CapIntakeDeps,
    private readonly alerts: AlertStarter,
  ) {}

  /** One at a time, in order: a feed sending a message twice, or an Update right after its Alert. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  receive(xml: string, createdBy: string | null, options: CapReceiveOptions = {}): Promise<CapReceipt> {
    return this.serial(() => this.handle(xml, createdBy, options));
  }

  confirm(id: string, input: ConfirmInput, by: Person, ip: string | null): Promise<{ held: HeldAlert; alert: Alert }> {
    return this.serial(() => this.confirmNow(id, input, by, ip));
  }

  reject(id: string, note: string | null, by: Person, ip: string | null): Promise<HeldAlert> {
    return this.serial(async () => {
      const held = await this.waiting(id, by);
      await this.deps.held.decide(id, { status: 'rejected', decidedBy: by.id, at: this.deps.now(), note });
      await this.deps.audit.record({ actor: by.username, action: 'alert.held_rejected', target: `held:${id}`, details: { reasons: held.reasons, sender: held.candidate.sender, identifier: held.candidate.identifier, note }, ip });
      return this.deps.held.get(id);
    });
  }

  private async handle(xml: string, createdBy: string | null, options: CapReceiveOptions): Promise<CapReceipt> {
    const parsed = parseCap(xml);
    if (!parsed.ok) throw badRequest(`invalid CAP message: ${parsed.reason}`, { problems: parsed.problems });
    const person = options.source ? null : await this.deps.operator(createdBy);
    // whose message it is (issue 10): the operator's commune, the feed's, or the province's (null)
    const scope = { communeCode: person ? person.communeCode : options.source ? await this.deps.communeOfFeed(options.source.feedId) : null };
    const { cap, problem, detail } = await this.signed(xml, parsed.alert, person !== null);
    if (cap.status !== 'Actual') throw notPlayed(`CAP status ${cap.status}: only Actual alerts are played on the loudspeakers (exercises, tests, system and draft messages never are)`);
    if (cap.scope !== 'Public') throw notPlayed(`CAP scope ${cap.scope}: only Public alerts are played on the loudspeakers`);
    if (cap.msgType === 'Ack' || cap.msgType === 'Error') throw notPlayed(`CAP msgType ${cap.msgType} has nothing to play`);
    // a CAP message is taken once in the province: the first to receive it decides whose it is
    const known = await this.deps.store.findByCap(cap.sender, cap.identifier);
    if (known) {
      if (!sees(scope, known.communeCode)) throw notPlayed('this CAP message was already received in the province');
      return { kind: 'alert', alert: known, created: false };
    }
    const knownHeld = await this.deps.held.findByCap(cap.sender, cap.identifier);
    if (knownHeld) {
      if (!sees(scope, knownHeld.communeCode, { provinceItems: false })) throw notPlayed('this CAP message was already received in the province');
      return { kind: 'held', held: knownHeld, created: false };
    }

    // an operator posting by hand vouches for the sender; a feed's message must come from the list
    const senderTrusted = person !== null || (await this.deps.trusted.has(cap.sender));
    if (cap.msgType === 'Cancel') {
      if (problem) throw new ApiError(422, problem, `CAP Cancel from ${cap.sender} ${problem === 'unsigned' ? 'without the signature its sender puts on its messages' : `with a signature that does not verify (${detail})`}: nothing is stopped`);
      return this.cancelByCap(cap, senderTrusted, person, scope);
    }

    const places = await this.deps.places(scope.communeCode);
    const decision = decideCap(cap, { now: this.deps.now(), maxAgeMs: this.deps.capMaxAgeMs, defaultTtlMs: CAP_DEFAULT_TTL_MS, place: places[0]!, places, senderTrusted, signatureProblem: problem });
    if (decision.action === 'refuse') throw new ApiError(decision.status, decision.code, decision.message);
    const earlier = cap.msgType === 'Update' ? await this.referencedAlerts(cap, scope) : [];
    // held messages of the same sender that this Update replaces no longer wait, once it is taken in
    const replaced = await this.referencedHeld(cap);
    let receipt: CapReceipt;
    if (decision.action === 'hold') {
      const source = options.source ? `feed:${options.source.feedId}` : person ? 'manual' : 'automatic';
      receipt = { kind: 'held', held: await this.hold(decision.reasons, decision.candidate, source, person, detail, scope.communeCode), created: true };
    } else {
      receipt = { kind: 'alert', alert: await this.alerts.start(specOf(decision.candidate, decision.candidate, earlier, scope.communeCode), earlier, person?.id ?? null), created: true };
    }
    for (const held of replaced) await this.endHeld(held, 'superseded', person);
    return receipt;
  }

  /**
   * The message as its signature lets it be read. A sender with a stored key: a valid signature
   * gives the alert as signed (nothing outside it is read); none, or one that fails, is a problem,
   * except that an operator may post an unsigned copy (they vouch for it, as for any sender). A
   * sender trusted by name, or not on the list: as it is, unverified (not trusted is held anyway).
   */
  private async signed(xml: string, cap: CapAlert, byOperator: boolean): Promise<{ cap: CapAlert; problem: 'unsigned' | 'bad_signature' | null; detail: string | null }> {
    const key = await this.deps.trusted.signerKey(cap.sender);
    if (!key) return { cap, problem: null, detail: null };
    const check = verifyCapSignature(xml, key, this.deps.now());
    if (check.status === 'unsigned') return { cap, problem: byOperator ? null : 'unsigned', detail: byOperator ? null : 'the sender signs its messages; this one has no signature' };
    if (check.status === 'invalid') return { cap, problem: 'bad_signature', detail: check.problem };
    const signed = parseCap(check.signedXml);
    return signed.ok ? { cap: signed.alert, problem: null, detail: null } : { cap, problem: 'bad_signature', detail: `the signed alert is not valid CAP: ${signed.reason}` };
  }

  private async hold(reasons: HoldReason[], candidate: CapCandidate, source: string, person: Person | null, signature: string | null, communeCode: string | null): Promise<HeldAlert> {
    const id = newId('hld');
    await this.deps.held.insert({ id, reasons, candidate, source, receivedBy: person?.id ?? null, receivedAt: this.deps.now(), communeCode });
    for (const reason of reasons) this.deps.heldCount(reason);
    const details = { reasons, sender: candidate.sender, identifier: candidate.identifier, source, ...(signature ? { signature } : {}) };
    await this.deps.audit.record({ actor: person?.username ?? SYSTEM, action: 'alert.held', target: `held:${id}`, details });
    this.deps.logger.warn({ heldId: id, ...details }, 'CAP message held for an operator');
    return this.deps.held.get(id);
  }

  private async confirmNow(id: string, input: ConfirmInput, by: Person, ip: string | null): Promise<{ held: HeldAlert; alert: Alert }> {
    const held = await this.waiting(id, by);
    const { candidate } = held;
    const text = input.text?.trim() || candidate.text;
    if (!text) throw badRequest('write the Vietnamese text to read out: the message has no Vietnamese info', [{ path: 'text', message: 'required' }]);
    const targets = await this.confirmedTargets(input.targets, candidate, held.communeCode);
    if (candidate.expiresAt <= this.deps.now() + this.deps.lead.ms) throw notPlayed('the alert expired while it was held');
    const earlier = candidate.msgType === 'Update' ? await this.referencedAlerts(candidate, { communeCode: held.communeCode }) : [];
    // a message without Vietnamese has a headline in another language: the title then comes from the words written
    const title = input.title?.trim() || (candidate.text ? candidate.title : titleFrom(text));
    // the alert is the held message's commune's (or the province's), whoever confirms it
    const alert = await this.alerts.start(specOf(candidate, { title, text, targets }, earlier, held.communeCode), earlier, by.id);
    await this.deps.held.decide(id, { status: 'confirmed', decidedBy: by.id, at: this.deps.now(), alertId: alert.id, note: input.note ?? null });
    const details = { alertId: alert.id, reasons: held.reasons, targets: alert.targets, textEdited: text !== candidate.text, sender: candidate.sender, identifier: candidate.identifier };
    await this.deps.audit.record({ actor: by.username, action: 'alert.held_confirmed', target: `held:${id}`, details, ip });
    return { held: await this.deps.held.get(id), alert };
  }

  private async confirmedTargets(chosen: ConfirmInput['targets'], candidate: CapCandidate, communeCode: string | null): Promise<AlertTargets> {
    // the held message's commune bounds the hamlets chosen (all: that commune, or the province)
    if (chosen?.all || chosen?.hamlets?.length) return this.deps.area.resolve({ all: chosen.all, hamlets: chosen.hamlets }, { communeCode });
    if (candidate.targets && (candidate.targets.all || candidate.targets.hamlets.length)) return { ...candidate.targets, edges: [] };
    throw badRequest('choose the hamlets the alert plays in: its areas could not be placed', [{ path: 'targets', message: 'required' }]);
  }

  /** A held message still waiting, that `by` may decide on (another commune's, or the province's for a commune's person: 404). */
  private async waiting(id: string, by: Person): Promise<HeldAlert> {
    await this.deps.held.expire(this.deps.now());
    const held = await this.deps.held.get(id);
    assertMayChange(by, held.communeCode, `held alert ${id}`);
    if (held.status !== 'held') throw conflict(`held alert ${id} is already ${held.status}`, { status: held.status });
    return held;
  }

  private async endHeld(held: HeldAlert, status: 'superseded' | 'cancelled', person: Person | null): Promise<void> {
    if (!(await this.deps.held.decide(held.id, { status, decidedBy: person?.id ?? null, at: this.deps.now() }))) return;
    await this.deps.audit.record({ actor: person?.username ?? SYSTEM, action: `alert.held_${status}`, target: `held:${held.id}`, details: { sender: held.candidate.sender, identifier: held.candidate.identifier } });
  }

  /**
   * A Cancel stops the alerts it references (only from a trusted sender, or an operator posting it)
   * and withdraws the held messages of its own sender that it references.
   */
  private async cancelByCap(cap: CapAlert, senderTrusted: boolean, person: Person | null, scope: { communeCode: string | null }): Promise<CapReceipt> {
    const alerts = await this.referencedAlerts(cap, scope);
    const held = (await this.referencedHeld(cap)).filter((h) => mayChange(scope, h.communeCode));
    if (alerts.length === 0 && held.length === 0) throw unknownReference(cap);
    if (alerts.length && !senderTrusted) {
      throw new ApiError(422, 'untrusted_sender', `CAP Cancel from ${cap.sender}, which is not a trusted sender: the alerts it names keep playing (an operator can stop them)`);
    }
    for (const h of held) await this.endHeld(h, 'cancelled', person);
    for (const alert of alerts) await this.alerts.cancel(alert);
    await this.deps.changed();
    return alerts.length ? { kind: 'alert', alert: await this.deps.store.get(alerts[0]!.id), created: false } : { kind: 'held', held: await this.deps.held.get(held[0]!.id), created: false };
  }

  /**
   * The current alerts (following replacements) that a message references, newest first. An Update
   * whose references are unknown here is taken as a new alert: its earlier message may have been
   * for somewhere else, or refused.
   */
  private async referencedAlerts(cap: Pick<CapAlert, 'references'>, scope: { communeCode: string | null }): Promise<Alert[]> {
    const found = new Map<string, Alert>();
    for (const ref of cap.references) {
      let alert = await this.deps.store.findByCap(ref.sender, ref.identifier);
      while (alert?.replacedBy) alert = await this.deps.store.get(alert.replacedBy);
      // a commune (its operator, its feed) updates and cancels only its own alerts
      if (alert && mayChange(scope, alert.communeCode)) found.set(alert.id, alert);
    }
    return [...found.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Held messages of the message's own sender that it references, still waiting. */
  private async referencedHeld(cap: CapAlert): Promise<HeldAlert[]> {
    const waiting: HeldAlert[] = [];
    for (const ref of cap.references) {
      const held = ref.sender === cap.sender ? await this.deps.held.findByCap(ref.sender, ref.identifier) : null;
      if (held?.status === 'held') waiting.push(held);
    }
    return waiting;
  }
}

function unknownReference(cap: CapAlert): ApiError {
  const refs = cap.references.map((r) => `${r.sender},${r.identifier},${r.sent}`).join(' ');
  return new ApiError(422, 'unknown_reference', `the CAP ${cap.msgType} references no alert received here (${refs})`);
}

/** The alert a candidate starts, with the text and targets finally chosen. */
function specOf(candidate: CapCandidate, chosen: { title: string; text: string; targets: Pick<AlertTargets, 'all' | 'hamlets'> }, earlier: Alert[], communeCode: string | null): AlertSpec {
  return {
    title: chosen.title,
    text: chosen.text,
    severity: candidate.severity,
    kind: candidate.kind,
    priority: candidate.priority,
    riskLevel: candidate.riskLevel,
    targets: { all: chosen.targets.all, hamlets: chosen.targets.all ? [] : [...chosen.targets.hamlets], edges: [] },
    repeatEveryMs: candidate.repeatEveryMs,
    notBefore: candidate.effectiveAt,
    expiresAt: candidate.expiresAt,
    volume: 100,
    origin: 'cap',
    cap: { identifier: candidate.identifier, sender: candidate.sender },
    version: Math.max(0, ...earlier.map((a) => a.version)) + 1,
    replaces: earlier[0]?.id ?? null,
    communeCode,
  };
}
