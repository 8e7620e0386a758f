import {
  CONTRACT_FEATURES,
  describeIssues,
  keyRotationPayloadSchema,
  supports,
  type ContractAnnouncement,
  type KeyRotationMessage,
} from '@smart-commune/shared';
import type { Logger } from '@smart-commune/shared/runtime';
import type { AuditLog } from '../audit/audit-log.js';
import { sees, type Scoped } from '../communes/scope.js';
import type { QueryDatabase } from '../db/query/connect.js';
import type { CommandClient } from '../fleet/commands.js';
import type { Edge, EdgeStore } from '../fleet/edge-store.js';
import { ApiError, notFound } from '../http/errors.js';
import { communesOfEdges, type KeyRotation, type KeyRotationStore } from './key-rotation-store.js';

/** The contract feature a box must announce to be sent a rotation (shared/src/contract/features.ts). */
export const KEYS_FEATURE = 'updates.keys';
/** How long one box may take to answer: it checks one signature and writes one small file. */
const ANSWER_TIMEOUT_MS = 15_000;

export type KeyRotationTarget = { kind: 'edges'; edgeIds: string[] } | { kind: 'all' } | { kind: 'rollout'; rolloutId: string };

export interface KeyRotationResult extends KeyRotation {
  /**
   * Boxes of an "all" or "rollout" target left out: their version cannot take a rotation from the
   * cloud (`unsupported`), or a rollout's box no longer active (`inactive`: revoked since, say).
   */
  skipped: { edgeId: string; edgeName: string; reason: 'unsupported' | 'inactive' }[];
}

export interface KeyRotationsDeps {
  query: Pick<QueryDatabase, 'db'>;
  store: KeyRotationStore;
  edges: EdgeStore;
  commands: CommandClient;
  contracts: { of(edgeId: string): Promise<ContractAnnouncement | null> };
  /**
   * The boxes of a rollout the person sees (a commune's people: their commune's boxes in it), or null
   * when there is no such rollout or it reaches none of their boxes (answered as a missing one).
   * May answer later: the rollouts store is being moved to the asynchronous query layer.
   */
  rolloutBoxes(rolloutId: string, person: Scoped): string[] | null | Promise<string[] | null>;
  audit: AuditLog;
  logger: Logger;
  answerTimeoutMs?: number;
  /** Counts each box's answer (sc_release_key_rotation_answers_total). */
  onAnswer?: (outcome: 'applied' | 'refused', code: string) => void;
}

/**
 * Release key rotations sent from the cloud: the signed message (scripts/release-keys rotate) goes to
 * the chosen boxes in the `rotate-release-keys` command; each box checks it against the keys it trusts
 * and answers applied or refused (the cloud does not judge the signature: the box's keys are what
 * count). A box offline now keeps a pending delivery, sent again when it is back online (edge.online)
 * and by a periodic look, until it answers.
 */
export class KeyRotations {
  private readonly timeoutMs: number;
  /** One delivery run per box at a time: a box takes rotations in order, never two at once. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: KeyRotationsDeps) {
    this.timeoutMs = deps.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  }

  /** Records the rotation for its boxes and delivers it to those online now; answers with each box's state. */
  async rotate(person: Scoped & { username: string }, input: { message: KeyRotationMessage; target: KeyRotationTarget }, ip: string | null): Promise<KeyRotationResult> {
    const payload = this.payloadOf(input.message);
    const { edges, skipped } = await this.targets(person, input.target);
    const id = await this.deps.store.create({
      sequence: payload.sequence,
      keyIds: payload.keys.map((k) => k.keyId),
      message: input.message,
      createdBy: person.username,
      communeCode: person.communeCode,
      edgeIds: edges.map((e) => e.id),
    });
    await this.deps.audit.record({
      actor: person.username,
      action: 'releases.keys.rotate',
      target: `key-rotation:${id}`,
      details: { ...(input.target.kind === 'rollout' ? { rolloutId: input.target.rolloutId } : {}), sequence: payload.sequence, keyIds: payload.keys.map((k) => k.keyId), signedBy: input.message.signature.keyId, edges: edges.map((e) => e.id), skipped: skipped.map((s) => s.edgeId) },
      ip,
    });
    this.deps.logger.warn({ rotationId: id, sequence: payload.sequence, boxes: edges.length, skipped: skipped.length, by: person.username }, 'release key rotation sent to boxes');
    await Promise.all(edges.filter((e) => e.online).map((e) => this.retry(e.id)));
    return { ...(await this.deps.store.find(person, id))!, skipped };
  }

  list(person: Scoped, limit = 20): Promise<KeyRotation[]> {
    return this.deps.store.list(person, limit);
  }

  async get(person: Scoped, id: string): Promise<KeyRotation> {
    const rotation = await this.deps.store.find(person, id);
    if (!rotation) throw notFound(`key rotation ${id}`);
    return rotation;
  }

  /** Sends the box its pending rotations, in sequence order, stopping at the first that gets no answer. */
  retry(edgeId: string): Promise<void> {
    const current = this.running.get(edgeId);
    if (current) return current;
    const run = this.deliverPending(edgeId).finally(() => this.running.delete(edgeId));
    this.running.set(edgeId, run);
    return run;
  }

  /** The periodic look: every online box that still has something pending. */
  async retryAll(): Promise<void> {
    const pending = await this.deps.store.edgesWithPending();
    const online = (await Promise.all(pending.map(async (id) => ((await this.deps.edges.find(id))?.online ? id : null)))).filter((id): id is string => id !== null);
    await Promise.all(online.map((id) => this.retry(id)));
  }

  private async deliverPending(edgeId: string): Promise<void> {
    for (const { rotationId } of await this.deps.store.pendingFor(edgeId)) {
      const answered = await this.deliver(rotationId, edgeId);
      if (!answered) return;
    }
  }

  /** One try; true when the box answered (applied or refused). */
  private async deliver(rotationId: string, edgeId: string): Promise<boolean> {
    const message = (await this.deps.store.message(rotationId)) as KeyRotationMessage;
    try {
      const answer = await this.deps.commands.send(edgeId, 'rotate-release-keys', { message }, this.timeoutMs);
      // another cloud process may have recorded this box's answer first: counted once, by the one that did
      if (!(await this.deps.store.answered(rotationId, edgeId, 'applied', null, `sequence ${answer.previousSequence} → ${answer.sequence}: ${answer.keyIds.join(', ')}`))) return true;
      this.deps.onAnswer?.('applied', '');
      this.deps.logger.info({ rotationId, edgeId, sequence: answer.sequence }, 'box applied the release key rotation');
      return true;
    } catch (err) {
      const api = err instanceof ApiError ? err : null;
      const refusal = api?.code === 'edge_error' ? (api.details as { code?: string; message?: string } | undefined) : undefined;
      if (refusal?.code) {
        // the box's verdict: bad_signature, unknown_key, stale_keys, not_supervised, unknown_command …
        if (!(await this.deps.store.answered(rotationId, edgeId, 'refused', refusal.code, refusal.message ?? api!.message))) return true;
        this.deps.onAnswer?.('refused', refusal.code);
        this.deps.logger.warn({ rotationId, edgeId, code: refusal.code, detail: refusal.message }, 'box refused the release key rotation');
        return true;
      }
      // no answer (offline, timeout, its version lost the feature in a rollback): stays pending
      await this.deps.store.attempted(rotationId, edgeId, { code: api?.code ?? 'failed', detail: (err as Error).message });
      return false;
    }
  }

  /** Which of these boxes announced the feature that takes a key rotation from the cloud (their contracts read once). */
  private async keysSupported(edges: readonly Edge[]): Promise<(edge: Edge) => boolean> {
    const contracts = await Promise.all(edges.map(async (e) => [e.id, await this.deps.contracts.of(e.id)] as const));
    const able = new Set(contracts.filter(([, contract]) => supports(contract, KEYS_FEATURE)).map(([id]) => id));
    return (edge) => able.has(edge.id);
  }

  private payloadOf(message: KeyRotationMessage) {
    let raw: unknown;
    try {
      raw = JSON.parse(message.payload);
    } catch {
      throw new ApiError(422, 'bad_rotation', 'the key-rotation message\'s payload is not JSON: use the file "scripts/release-keys rotate" wrote, unchanged');
    }
    const parsed = keyRotationPayloadSchema.safeParse(raw);
    if (!parsed.success) throw new ApiError(422, 'bad_rotation', `not a key-rotation message: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  /**
   * The boxes to send to: chosen ones must all take it (else 409 at once); "all" and a rollout's boxes
   * skip those that cannot, and name them.
   */
  private async targets(person: Scoped, target: KeyRotationTarget): Promise<{ edges: Edge[]; skipped: KeyRotationResult['skipped'] }> {
    if (target.kind === 'rollout') return this.rolloutTargets(person, target.rolloutId);
    if (target.kind === 'all') {
      const active = await this.deps.edges.list({ status: 'active' });
      const communes = await communesOfEdges(this.deps.query, active.map((e) => e.id));
      const visible = active.filter((e) => sees(person, communes.get(e.id) ?? null, { provinceItems: false }));
      const supported = await this.keysSupported(visible);
      const edges = visible.filter(supported);
      const skipped = visible.filter((e) => !supported(e)).map((e) => ({ edgeId: e.id, edgeName: e.name, reason: 'unsupported' as const }));
      if (edges.length === 0) throw new ApiError(409, 'no_boxes', 'no active box can take a key rotation from the cloud (none, or all run a version older than this feature)', { skipped });
      return { edges, skipped };
    }
    const ids = [...new Set(target.edgeIds)];
    const communes = await communesOfEdges(this.deps.query, ids);
    for (const id of ids) {
      // another commune's box answers as a missing one
      if (!communes.has(id) || !sees(person, communes.get(id) ?? null, { provinceItems: false })) throw notFound(`edge ${id}`);
    }
    const edges = await Promise.all(ids.map((id) => this.deps.edges.get(id)));
    const supported = await this.keysSupported(edges);
    const inactive = edges.filter((e) => e.status !== 'active');
    if (inactive.length) throw new ApiError(409, 'conflict', `not active: ${inactive.map((e) => `${e.name} (${e.status})`).join(', ')}`);
    const old = edges.filter((e) => !supported(e));
    if (old.length) {
      const since = CONTRACT_FEATURES[KEYS_FEATURE].since;
      throw new ApiError(
        409,
        'edge_unsupported',
        `Phiên bản phần mềm của tủ ${old.map((e) => e.name).join(', ')} chưa nhận được lệnh đổi khóa từ máy chủ; hãy cập nhật tủ hoặc dùng "sc-edge-supervisor rotate-keys" tại tủ (these boxes' version cannot take a key rotation from the cloud: it needs feature ${KEYS_FEATURE}, contract revision ${since})`,
        { feature: KEYS_FEATURE, since, edgeIds: old.map((e) => e.id) },
      );
    }
    return { edges, skipped: [] };
  }

  /**
   * Every box the rollout reaches that the person sees, whatever its step: the province rotates its
   * key for the boxes it just updated, or before a rollout's boxes fetch a bundle signed by the new
   * key. A box revoked since or too old to take it is skipped and named; none left answers 409.
   */
  private async rolloutTargets(person: Scoped, rolloutId: string) {
    const ids = await this.deps.rolloutBoxes(rolloutId, person);
    if (!ids || ids.length === 0) throw notFound(`rollout ${rolloutId}`);
    // the rollout's store already kept to the person's commune; the boxes are checked again as every target's are
    const found = await Promise.all(ids.map((id) => this.deps.edges.find(id)));
    const boxes = found.filter((e): e is Edge => e !== null && sees(person, e.communeCode, { provinceItems: false }));
    const supported = await this.keysSupported(boxes);
    const skipped: KeyRotationResult['skipped'] = [];
    const edges: Edge[] = [];
    for (const e of boxes) {
      if (e.status !== 'active') skipped.push({ edgeId: e.id, edgeName: e.name, reason: 'inactive' });
      else if (!supported(e)) skipped.push({ edgeId: e.id, edgeName: e.name, reason: 'unsupported' });
      else edges.push(e);
    }
    if (edges.length === 0) {
      throw new ApiError(409, 'no_boxes', `no box of rollout ${rolloutId} can take a key rotation from the cloud (revoked since, or running a version older than this feature)`, { skipped });
    }
    return { edges, skipped };
  }
}
