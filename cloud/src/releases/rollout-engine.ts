import { newId, type UpdateEvent } from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Documents } from '../fleet/documents.js';
import type { EdgeStore } from '../fleet/edge-store.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { ReleaseStore } from './release-store.js';
import type { RolloutFilter, RolloutStore } from './rollout-store.js';
import { FAILED, SETTLED, type NewRollout, type Rollout, type RolloutBoxState, type RolloutScope } from './rollout-types.js';

export interface RolloutEngineDeps {
  store: RolloutStore;
  releases: ReleaseStore;
  edges: EdgeStore;
  documents: Documents;
  bus: DomainEventBus;
  audit: AuditLog;
  logger: Logger;
  now?: () => number;
}

/** What a box's report moves it to; steps never go back (a late `downloading` after `installed` is ignored). */
const PHASE_STATE: Record<UpdateEvent['phase'], RolloutBoxState> = {
  downloading: 'downloading',
  installed: 'installed',
  waiting: 'waiting',
  switching: 'switching',
  running: 'healthy',
  failed: 'failed',
  rolled_back: 'rolled_back',
};
const ORDER: readonly RolloutBoxState[] = ['pending', 'sent', 'downloading', 'installed', 'waiting', 'switching', 'healthy'];

function advances(from: RolloutBoxState, to: RolloutBoxState): boolean {
  if (from === 'cancelled' || from === 'failed' || from === 'rolled_back') return false;
  if (to === 'rolled_back') return true; // the supervisor may go back even after the new version looked healthy
  if (to === 'failed') return from !== 'healthy';
  return ORDER.indexOf(to) > ORDER.indexOf(from);
}

/**
 * The active boxes of the chosen communes and hamlets. A commune or hamlet chosen with no active box
 * is refused by name (400): the admin meant it to be updated, and nothing there would be.
 */
function chosenPlaces<E extends { communeCode: string; hamletCode: string }>(active: readonly E[], communeCodes: readonly string[], hamletCodes: readonly string[]): E[] {
  if (communeCodes.length === 0 && hamletCodes.length === 0) throw badRequest('choose at least one commune or hamlet', [{ path: 'scope.communeCodes', message: 'empty, as is scope.hamletCodes' }]);
  const communes = new Set(communeCodes);
  const hamlets = new Set(hamletCodes);
  const chosen = active.filter((e) => communes.has(e.communeCode) || hamlets.has(e.hamletCode));
  const empty = [...[...communes].filter((c) => !chosen.some((e) => e.communeCode === c)), ...[...hamlets].filter((h) => !chosen.some((e) => e.hamletCode === h))];
  if (empty.length) throw badRequest(`no active box in: ${empty.slice(0, 10).join(', ')} (unknown, or without claimed boxes)`, { empty });
  return chosen;
}

/** Wave of each of `count` boxes in order: the sizes given, then the rest in one last wave. */
export function assignWaves(count: number, sizes: readonly number[]): number[] {
  const waves: number[] = [];
  let wave = 0;
  let left = sizes[0] ?? Infinity;
  for (let i = 0; i < count; i++) {
    while (left === 0) left = sizes[++wave] ?? Infinity;
    waves.push(wave);
    left--;
  }
  return waves;
}

/**
 * Rolls a release out by desired state: each box of a started wave gets a `release` document naming the
 * version, and converges on it by itself (download, install, switch at a quiet moment); its `events/update`
 * move it along here. A wave whose failures pass the threshold pauses the rollout; a wave whose boxes all run
 * healthy for the soak time lets the next one start. Everything is in the cloud's database, so a restarted cloud (or another cloud process) carries on.
 */
export class RolloutEngine {
  private readonly now: () => number;

  constructor(private readonly deps: RolloutEngineDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** One rollout (404 for none; with `communeCode`, also for one that reaches none of that commune's boxes). */
  async get(id: string, filter: RolloutFilter = {}): Promise<Rollout> {
    const rollout = await this.deps.store.find(id, filter);
    if (!rollout) throw notFound(`rollout ${id}`);
    return rollout;
  }

  private async resolve(scope: RolloutScope) {
    const active = await this.deps.edges.list({
      status: 'active',
      hamletCode: scope.kind === 'hamlet' ? scope.hamletCode : undefined,
      communeCode: scope.kind === 'commune' ? scope.communeCode : undefined,
    });
    if (scope.kind === 'places') return chosenPlaces(active, scope.communeCodes, scope.hamletCodes);
    if (scope.kind !== 'edges') return active;
    const byId = new Map(active.map((e) => [e.id, e]));
    const missing = scope.edgeIds.filter((id) => !byId.has(id));
    if (missing.length) throw badRequest(`not active boxes (unknown, unclaimed or revoked): ${missing.slice(0, 10).join(', ')}`, { edgeIds: missing });
    return [...new Set(scope.edgeIds)].map((id) => byId.get(id)!);
  }

  /** 409 naming the boxes already in a rollout under way (and those rollouts). */
  private boxesBusy(busy: { edgeId: string; rolloutId: string }[]) {
    return conflict(`boxes already in a rollout under way: ${busy.slice(0, 10).map((b) => `${b.edgeId} (${b.rolloutId})`).join(', ')}; finish or cancel it first`, { busy });
  }

  async create(input: NewRollout, by: string): Promise<Rollout> {
    const { store, releases } = this.deps;
    if ((await releases.bundles(input.version)).length === 0) throw badRequest(`no edge release ${input.version} has been uploaded`);
    const boxes = await this.resolve(input.scope);
    if (boxes.length === 0) throw badRequest('the rollout reaches no active box');
    const busy = await store.busy(boxes.map((b) => b.id));
    if (busy.length) throw this.boxesBusy(busy);
    const waves = assignWaves(boxes.length, input.waves);
    const id = newId('rol');
    const at = this.now();
    const created = await store.create({
      id,
      version: input.version,
      scope: input.scope,
      waves: input.waves,
      soakS: input.soakS,
      failureThreshold: input.failureThreshold,
      createdBy: by,
      at,
      boxes: boxes.map((b, i) => ({ edgeId: b.id, wave: waves[i]!, fromVersion: b.telemetry?.softwareVersion ?? null })),
    });
    // another rollout took one of the boxes between the check above and this one's claim
    if (created === 'boxes_taken') throw this.boxesBusy(await store.busy(boxes.map((b) => b.id)));
    // the release was deleted between the check above and the claim
    if (created === 'no_release') throw badRequest(`no edge release ${input.version} has been uploaded`);
    await this.deps.audit.record({ actor: by, action: 'rollout.created', target: `rollout:${id}`, details: { version: input.version, scope: input.scope.kind, boxes: boxes.length, waves: input.waves, soakS: input.soakS, failureThreshold: input.failureThreshold } });
    this.deps.bus.publish('rollout.created', { rolloutId: id, version: input.version, boxes: boxes.length, by });
    this.deps.logger.info({ rolloutId: id, version: input.version, boxes: boxes.length }, 'rollout created');
    await this.startWave(id, 0, false);
    return this.get(id);
  }

  /**
   * Tells the boxes of a wave still pending which release to run. Moving to the next wave is one
   * conditional UPDATE (the rollout still running, still at the wave before): of two processes that
   * both saw the wave soaked, one starts the next wave; the other stops here.
   */
  private async startWave(id: string, wave: number, next: boolean): Promise<void> {
    const { store, releases, documents } = this.deps;
    const rollout = await this.get(id);
    const at = this.now();
    const started = next
      ? await store.update(id, { wave, waveStartedAt: at, failuresAccepted: 0 }, at, { states: ['running'], wave: wave - 1 })
      : await store.update(id, { waveStartedAt: at }, at, { states: ['running'], wave });
    if (!started) return;
    const target = { version: rollout.version, rolloutId: id, bundles: await releases.bundles(rollout.version) };
    const sent = await store.sendPending(id, wave, at);
    for (const edgeId of sent) await documents.set(edgeId, 'release', { target });
    this.deps.bus.publish('rollout.wave_started', { rolloutId: id, version: rollout.version, wave, boxes: sent.length });
    this.deps.logger.info({ rolloutId: id, wave, boxes: sent.length }, 'rollout wave started');
  }

  /** Takes the release back from boxes that have not switched yet (they stop downloading and stay on their version). */
  private async retract(id: string, to: 'pending' | 'cancelled', reason: string | null): Promise<void> {
    for (const edgeId of await this.deps.store.retract(id, to, reason, this.now())) await this.deps.documents.set(edgeId, 'release', { target: null });
  }

  /** Conflict naming the state a rollout is in when another request or process changed it first. */
  private async notIn(id: string, wanted: string): Promise<never> {
    const now = await this.get(id);
    throw conflict(`rollout ${id} is ${now.state}, not ${wanted}`);
  }

  async pause(id: string, reason: string, by: string): Promise<Rollout> {
    if (!(await this.pauseIfRunning(id, reason, by))) return this.notIn(id, 'running');
    return this.get(id);
  }

  /** Pauses a running rollout (one conditional UPDATE): false when it was not running (any more). */
  private async pauseIfRunning(id: string, reason: string, by: string): Promise<boolean> {
    const rollout = await this.get(id);
    if (rollout.state !== 'running') return false;
    const at = this.now();
    if (!(await this.deps.store.update(id, { state: 'paused', pausedReason: reason }, at, { states: ['running'] }))) return false;
    await this.retract(id, 'pending', null);
    await this.deps.audit.record({ actor: by, action: by === 'system' ? 'rollout.auto_paused' : 'rollout.paused', target: `rollout:${id}`, details: { reason, wave: rollout.wave } });
    this.deps.bus.publish('rollout.paused', { rolloutId: id, version: rollout.version, reason, automatic: by === 'system', by });
    this.deps.logger.warn({ rolloutId: id, reason, by }, 'rollout paused');
    return true;
  }

  async resume(id: string, by: string): Promise<Rollout> {
    const rollout = await this.get(id);
    if (rollout.state !== 'paused') throw conflict(`rollout ${id} is ${rollout.state}, not paused`);
    const failed = (await this.deps.store.boxes(id, { wave: rollout.wave, states: FAILED })).length;
    if (!(await this.deps.store.update(id, { state: 'running', pausedReason: null, failuresAccepted: failed }, this.now(), { states: ['paused'], wave: rollout.wave }))) return this.notIn(id, 'paused');
    await this.deps.audit.record({ actor: by, action: 'rollout.resumed', target: `rollout:${id}`, details: { wave: rollout.wave } });
    this.deps.bus.publish('rollout.resumed', { rolloutId: id, version: rollout.version, by });
    await this.startWave(id, rollout.wave, false);
    return this.get(id);
  }

  async cancel(id: string, by: string): Promise<Rollout> {
    const rollout = await this.get(id);
    if (rollout.state !== 'running' && rollout.state !== 'paused') throw conflict(`rollout ${id} is already ${rollout.state}`);
    const at = this.now();
    if (!(await this.deps.store.update(id, { state: 'cancelled', finishedAt: at }, at, { states: ['running', 'paused'] }))) {
      throw conflict(`rollout ${id} is already ${(await this.get(id)).state}`);
    }
    await this.retract(id, 'cancelled', `cancelled by ${by}`);
    await this.deps.audit.record({ actor: by, action: 'rollout.cancelled', target: `rollout:${id}`, details: { wave: rollout.wave } });
    this.deps.bus.publish('rollout.finished', { rolloutId: id, version: rollout.version, state: 'cancelled' });
    return this.get(id);
  }

  /**
   * A box's `events/update`: moves it along in its rollout, then looks whether the wave is decided.
   * The move is conditional on the state it was read in; when another answer of the same box moved it
   * in between (another cloud process), it reads again and decides again.
   */
  async onUpdate(edgeId: string, ts: number, body: UpdateEvent): Promise<void> {
    const { store } = this.deps;
    const rolloutId = body.rolloutId && (await store.box(body.rolloutId, edgeId)) ? body.rolloutId : await store.latestWith(edgeId, body.version);
    if (!rolloutId) return;
    const rollout = await store.find(rolloutId);
    if (!rollout || rollout.version !== body.version) return;
    const to = PHASE_STATE[body.phase];
    const progress = body.bytesDone !== undefined ? { bytesDone: body.bytesDone, bytesTotal: body.bytesTotal ?? null } : {};
    for (let attempt = 0; attempt < 5; attempt++) {
      const box = await store.box(rolloutId, edgeId);
      if (!box) return;
      if (to === box.state && to === 'downloading') {
        if (await store.updateBox(rolloutId, edgeId, progress, ts, box.state)) return;
        continue;
      }
      if (!advances(box.state, to)) return;
      // a paused or cancelled rollout took the release back; only what the box can no longer undo counts
      if (box.state === 'pending' || box.state === 'cancelled') {
        if (!(to === 'switching' || to === 'healthy' || to === 'failed' || to === 'rolled_back')) return;
      }
      const failed = FAILED.includes(to);
      const moved = await store.updateBox(
        rolloutId,
        edgeId,
        {
          state: to,
          ...progress,
          ...(to === 'healthy' ? { healthyAt: ts, reason: null } : {}),
          ...(failed ? { reason: body.reason ?? 'no reason given', logLines: body.logLines ?? null } : {}),
        },
        this.now(),
        box.state,
      );
      if (!moved) continue;
      if (failed) {
        await this.deps.audit.record({ actor: `edge:${edgeId}`, action: `rollout.box_${to}`, target: `rollout:${rolloutId}`, details: { edgeId, version: body.version, reason: body.reason ?? null } });
        this.deps.bus.publish('rollout.box_failed', { rolloutId, edgeId, version: body.version, state: to as 'failed' | 'rolled_back', reason: body.reason ?? null });
        this.deps.logger.warn({ rolloutId, edgeId, state: to, reason: body.reason }, 'a box failed its update');
      }
      return this.evaluate(rolloutId);
    }
    this.deps.logger.warn({ rolloutId, edgeId, phase: body.phase }, 'a box update kept losing to concurrent ones; dropped');
  }

  /** Pauses on too many failures, starts the next wave after the soak, or completes the rollout. */
  async evaluate(id: string): Promise<void> {
    const rollout = await this.deps.store.find(id);
    if (!rollout || rollout.state !== 'running') return;
    const boxes = await this.deps.store.boxes(id, { wave: rollout.wave });
    const failures = boxes.filter((b) => FAILED.includes(b.state));
    if (boxes.length && failures.length > rollout.failuresAccepted && failures.length / boxes.length > rollout.failureThreshold) {
      const reasons = failures.slice(0, 3).map((b) => `${b.edgeName}: ${b.reason ?? b.state}`).join('; ');
      await this.pauseIfRunning(id, `wave ${rollout.wave + 1}: ${failures.length} of ${boxes.length} boxes failed (threshold ${Math.round(rollout.failureThreshold * 100)} %) — ${reasons}`, 'system');
      return;
    }
    if (!boxes.every((b) => SETTLED.includes(b.state))) return;
    const lastHealthy = Math.max(rollout.waveStartedAt ?? 0, ...boxes.map((b) => b.healthyAt ?? 0));
    if (this.now() - lastHealthy < rollout.soakS * 1000) return;
    if (rollout.wave + 1 < rollout.waveCount) return this.startWave(id, rollout.wave + 1, true);
    const at = this.now();
    // one process completes it: the UPDATE matches only while it is still running at this wave
    if (!(await this.deps.store.update(id, { state: 'completed', finishedAt: at }, at, { states: ['running'], wave: rollout.wave }))) return;
    await this.deps.audit.record({ actor: 'system', action: 'rollout.completed', target: `rollout:${id}`, details: { version: rollout.version, healthy: rollout.counts.healthy, failed: rollout.counts.failed + rollout.counts.rolled_back } });
    this.deps.bus.publish('rollout.finished', { rolloutId: id, version: rollout.version, state: 'completed' });
    this.deps.logger.info({ rolloutId: id }, 'rollout completed');
  }

  /** Looks at every running rollout (soak times end without any event arriving). */
  async tick(): Promise<void> {
    for (const id of await this.deps.store.activeIds('running')) await this.evaluate(id);
  }
}
