import type { Logger } from '@smart-commune/shared/runtime';
import type { DomainEventBus, Unsubscribe } from '../../events/event-bus.js';
import type { BoxAccount } from '../../fleet/device-credentials.js';
import { assertUsableEdgeId, boxAcls, DEFAULT_ACL_ACCESS, ROLE_PREFIX, roleName } from './box-acls.js';
import { DynsecCommandError, type DynsecAdmin, type DynsecCommand, type DynsecResult } from './dynsec-client.js';

/**
 * Each claimed box's account on Mosquitto's dynamic security plugin: a client (username = client
 * id = edge id, password = the box's own secret) with one role of its own (box-acls.ts). Kept in
 * step at once through the domain event bus (claim, rotation, revocation, deletion) and reconciled
 * after every connection to the broker: the broker's clients equal the active boxes.
 */

export interface AccountSource {
  /** Every active box, with its secret when the cloud has it sealed. */
  activeAccounts(): Promise<BoxAccount[]>;
  /** One active box's current secret (null: not active, or not sealed). */
  secretOf(edgeId: string): Promise<string | null>;
}

export interface MosquittoAccountsDeps {
  admin: DynsecAdmin;
  source: AccountSource;
  /** Accounts reconcile leaves alone: the cloud's own admin and any the operator named (SC_MQTT_DYNSEC_KEEP). */
  keep: readonly string[];
  logger: Logger;
  /**
   * A box whose account is present but whose secret the cloud cannot read back (claimed before
   * secrets were sealed) gets new credentials live, so the next reconcile can recreate its account.
   */
  rotateLive?: (edgeId: string) => Promise<void>;
  /** After reconcile: every active box's retained desired documents are published again. */
  republish?: () => Promise<number>;
}

export interface ReconcileResult {
  active: number;
  created: number;
  enabled: number;
  disabled: number;
  /** Active boxes the broker lacks and whose secret the cloud does not hold: they must be claimed again. */
  unrecoverable: string[];
  /** Present boxes rotated live because their secret was not sealed. */
  rotated: number;
  republished: number;
}

interface BrokerClient {
  username: string;
  disabled: boolean;
  roles: string[];
}

const ALREADY = /already exists/i;

/** Changes sent to the broker together (the admin client splits them into messages of 100 commands). */
const MAX_CHANGES_PER_BATCH = 200;

type ChangeKind = 'claim' | 'rotation' | 'revocation' | 'deletion';

interface Change {
  kind: ChangeKind;
  edgeId: string;
  resolve: () => void;
  reject: (err: Error) => void;
}
const NOT_FOUND = /not found/i;

export class MosquittoAccounts {
  /**
   * Boxes whose claim or rotation did not reach the broker (it was away): the broker cannot tell a
   * client's password, so reconcile gives these their current secret again instead of every box
   * (which would disconnect them all).
   */
  private readonly stale = new Set<string>();

  constructor(private readonly deps: MosquittoAccountsDeps) {}

  /** Creates the box's role and client, or gives an existing client the secret, its id, its role, and enables it. */
  async upsert(edgeId: string, secret: string): Promise<void> {
    assertUsableEdgeId(edgeId);
    const rolename = roleName(edgeId);
    const [role, client] = await this.deps.admin.run([
      { command: 'createRole', rolename, textname: `box ${edgeId}`, acls: boxAcls(edgeId) },
      { command: 'createClient', username: edgeId, clientid: edgeId, password: secret, textname: `box ${edgeId}`, roles: [{ rolename }] },
    ]);
    allowed(role!, { command: 'createRole', rolename }, ALREADY);
    if (!client!.error) return;
    if (!ALREADY.test(client!.error)) throw new DynsecCommandError({ command: 'createClient', username: edgeId }, client!.error);
    await this.replace(edgeId, secret);
  }

  /** An existing client gets the secret, its id and its role, and is enabled. */
  private async replace(edgeId: string, secret: string): Promise<void> {
    // modifyClient kicks a connected client, so a replaced box stops using the old secret at once
    await this.deps.admin.runOrThrow([
      { command: 'modifyClient', username: edgeId, clientid: edgeId, password: secret, roles: [{ rolename: roleName(edgeId) }] },
      { command: 'enableClient', username: edgeId },
    ]);
  }

  /** A new secret for the box; Mosquitto disconnects the client so it logs in again with it. */
  async setSecret(edgeId: string, secret: string): Promise<void> {
    const [result] = await this.deps.admin.run([{ command: 'setClientPassword', username: edgeId, password: secret }]);
    if (result!.error && NOT_FOUND.test(result!.error)) return this.upsert(edgeId, secret);
    allowed(result!, { command: 'setClientPassword', username: edgeId });
  }

  /** Refused from now on; Mosquitto disconnects the client at once. */
  async disable(edgeId: string): Promise<void> {
    const [result] = await this.deps.admin.run([{ command: 'disableClient', username: edgeId }]);
    allowed(result!, { command: 'disableClient', username: edgeId }, NOT_FOUND);
  }

  /** Client and role gone (the box was deleted). */
  async remove(edgeId: string): Promise<void> {
    const results = await this.deps.admin.run([
      { command: 'deleteClient', username: edgeId },
      { command: 'deleteRole', rolename: roleName(edgeId) },
    ]);
    allowed(results[0]!, { command: 'deleteClient', username: edgeId }, NOT_FOUND);
    allowed(results[1]!, { command: 'deleteRole', rolename: roleName(edgeId) }, NOT_FOUND);
  }

  /**
   * Keeps accounts in step with the fleet's changes as they happen. The handlers only queue the
   * change, so the bus never waits on the broker; a claim's answer waits through applied(). A
   * failure is logged; the next reconcile (every reconnection, and each start) repairs what it left.
   */
  follow(bus: DomainEventBus): Unsubscribe[] {
    return [
      bus.subscribe('edge.claimed', ({ edgeId }) => void this.enqueue('claim', edgeId), 'mosquitto-accounts'),
      bus.subscribe('edge.credentials_rotated', ({ edgeId }) => void this.enqueue('rotation', edgeId), 'mosquitto-accounts'),
      bus.subscribe('edge.revoked', ({ edgeId }) => void this.enqueue('revocation', edgeId), 'mosquitto-accounts'),
      bus.subscribe('edge.deleted', ({ edgeId }) => void this.enqueue('deletion', edgeId), 'mosquitto-accounts'),
    ];
  }

  /**
   * Settles when every change queued so far for the box is on the broker; rejects when the last
   * one failed. Nothing queued: already applied. (The bus runs these handlers inside publish, so a
   * claim's change is queued before the claim asks.)
   */
  applied(edgeId: string): Promise<void> {
    return this.latest.get(edgeId) ?? Promise.resolve();
  }

  private readonly queue: Change[] = [];
  private readonly latest = new Map<string, Promise<void>>();
  private pumping = false;

  private enqueue(kind: ChangeKind, edgeId: string): Promise<void> {
    let change!: Change;
    const done = new Promise<void>((resolve, reject) => {
      change = { kind, edgeId, resolve, reject };
    });
    this.queue.push(change);
    this.latest.set(edgeId, done);
    const forget = () => {
      if (this.latest.get(edgeId) === done) this.latest.delete(edgeId);
    };
    done.then(forget, (err: unknown) => {
      forget();
      this.deps.logger.error({ err: (err as Error).message, edgeId }, `Mosquitto account not updated after ${kind}; the next reconcile repairs it`);
    });
    void this.pump();
    return done;
  }

  /**
   * One writer: the changes queued meanwhile go to the broker together (a batch of MQTT messages
   * of many commands each) instead of one round trip per box, in the order they came. A batch takes
   * one change per box, so a box's later change never overtakes an earlier one.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const batch: Change[] = [];
        const boxes = new Set<string>();
        while (this.queue.length > 0 && batch.length < MAX_CHANGES_PER_BATCH && !boxes.has(this.queue[0]!.edgeId)) {
          const change = this.queue.shift()!;
          boxes.add(change.edgeId);
          batch.push(change);
        }
        await this.applyBatch(batch);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async applyBatch(batch: Change[]): Promise<void> {
    const planned: Array<{ change: Change; secret: string | null; commands: DynsecCommand[] }> = [];
    for (const change of batch) {
      try {
        planned.push({ change, ...(await this.plan(change)) });
      } catch (err) {
        change.reject(err as Error);
      }
    }
    const commands = planned.flatMap((p) => p.commands);
    let results: DynsecResult[];
    try {
      results = await this.deps.admin.run(commands);
    } catch (err) {
      for (const p of planned) p.change.reject(err as Error);
      return;
    }
    let at = 0;
    for (const p of planned) {
      const mine = results.slice(at, at + p.commands.length);
      at += p.commands.length;
      try {
        await this.settleChange(p.change, p.secret, mine);
        if (p.secret !== null) this.stale.delete(p.change.edgeId);
        p.change.resolve();
      } catch (err) {
        p.change.reject(err as Error);
      }
    }
  }

  /** The commands for one change; a claim's and a rotation's read the box's current secret. */
  private async plan(change: Change): Promise<{ secret: string | null; commands: DynsecCommand[] }> {
    const { edgeId } = change;
    assertUsableEdgeId(edgeId);
    const rolename = roleName(edgeId);
    if (change.kind === 'revocation') return { secret: null, commands: [{ command: 'disableClient', username: edgeId }] };
    if (change.kind === 'deletion') return { secret: null, commands: [{ command: 'deleteClient', username: edgeId }, { command: 'deleteRole', rolename }] };
    const secret = await this.deps.source.secretOf(edgeId);
    if (secret === null) throw new Error('the box is not active or its secret is not sealed');
    // until the broker confirms, a reconnection's reconcile gives the box its secret again
    this.stale.add(edgeId);
    if (change.kind === 'rotation') return { secret, commands: [{ command: 'setClientPassword', username: edgeId, password: secret }] };
    return {
      secret,
      commands: [
        { command: 'createRole', rolename, textname: `box ${edgeId}`, acls: boxAcls(edgeId) },
        { command: 'createClient', username: edgeId, clientid: edgeId, password: secret, textname: `box ${edgeId}`, roles: [{ rolename }] },
      ],
    };
  }

  /** Reads the change's answers; an existing client (a box claimed again) or a missing one (rotated before it existed) takes one more round trip. */
  private async settleChange(change: Change, secret: string | null, results: DynsecResult[]): Promise<void> {
    const { edgeId } = change;
    const rolename = roleName(edgeId);
    switch (change.kind) {
      case 'revocation':
        return allowed(results[0]!, { command: 'disableClient', username: edgeId }, NOT_FOUND);
      case 'deletion':
        allowed(results[0]!, { command: 'deleteClient', username: edgeId }, NOT_FOUND);
        return allowed(results[1]!, { command: 'deleteRole', rolename }, NOT_FOUND);
      case 'rotation':
        if (results[0]!.error && NOT_FOUND.test(results[0]!.error)) return this.upsert(edgeId, secret!);
        return allowed(results[0]!, { command: 'setClientPassword', username: edgeId });
      case 'claim': {
        allowed(results[0]!, { command: 'createRole', rolename }, ALREADY);
        const client = results[1]!;
        if (!client.error) return;
        if (!ALREADY.test(client.error)) throw new DynsecCommandError({ command: 'createClient', username: edgeId }, client.error);
        return this.replace(edgeId, secret!);
      }
    }
  }

  /**
   * Broker clients = active boxes: the default ACL access set to deny, missing accounts created
   * (with the sealed secret), disabled ones of active boxes enabled, roles re-attached, every other
   * client but the kept ones disabled; then the retained desired documents published again.
   */
  async reconcile(): Promise<ReconcileResult> {
    const { admin, source, logger } = this.deps;
    const started = Date.now();
    await admin.runOrThrow([{ command: 'setDefaultACLAccess', acls: [...DEFAULT_ACL_ACCESS] }]);
    const [clientsResult, rolesResult] = await admin.runOrThrow([
      { command: 'listClients', verbose: true, count: -1, offset: 0 },
      { command: 'listRoles', verbose: false, count: -1, offset: 0 },
    ]);
    const clients = new Map(parseClients(clientsResult!.data).map((c) => [c.username, c]));
    const roles = new Set(parseRoles(rolesResult!.data));
    const active = await source.activeAccounts();
    const activeIds = new Set(active.map((a) => a.edgeId));
    const result: ReconcileResult = { active: active.length, created: 0, enabled: 0, disabled: 0, unrecoverable: [], rotated: 0, republished: 0 };

    const commands: DynsecCommand[] = [];
    const toRotate: string[] = [];
    for (const { edgeId, secret } of active) {
      const rolename = roleName(edgeId);
      const client = clients.get(edgeId);
      if (!client) {
        if (secret === null) {
          result.unrecoverable.push(edgeId);
          continue;
        }
        if (!roles.has(rolename)) commands.push({ command: 'createRole', rolename, textname: `box ${edgeId}`, acls: boxAcls(edgeId) });
        commands.push({ command: 'createClient', username: edgeId, clientid: edgeId, password: secret, textname: `box ${edgeId}`, roles: [{ rolename }] });
        result.created++;
        continue;
      }
      if (!roles.has(rolename)) commands.push({ command: 'createRole', rolename, textname: `box ${edgeId}`, acls: boxAcls(edgeId) });
      if (!client.roles.includes(rolename)) commands.push({ command: 'addClientRole', username: edgeId, rolename });
      const stale = this.stale.delete(edgeId);
      // a disabled one may have been claimed again while the cloud was away: give it the current secret
      if ((client.disabled || stale) && secret !== null) commands.push({ command: 'setClientPassword', username: edgeId, password: secret });
      if (client.disabled) {
        commands.push({ command: 'enableClient', username: edgeId });
        result.enabled++;
      }
      if (secret === null) toRotate.push(edgeId);
    }
    const keep = new Set(this.deps.keep);
    for (const client of clients.values()) {
      if (activeIds.has(client.username) || keep.has(client.username) || client.disabled) continue;
      commands.push({ command: 'disableClient', username: client.username });
      result.disabled++;
    }
    const results = await admin.run(commands);
    results.forEach((r, i) => {
      if (r.error && !ALREADY.test(r.error)) logger.error({ command: commands[i]!.command, subject: commands[i]!.username ?? commands[i]!.rolename, error: r.error }, 'reconcile: dynamic security refused a command');
    });
    if (result.unrecoverable.length > 0) {
      logger.error({ boxes: result.unrecoverable.slice(0, 20), count: result.unrecoverable.length }, 'active boxes missing on Mosquitto whose secret the cloud does not hold: issue each a claim token');
    }
    for (const edgeId of toRotate) {
      try {
        await this.deps.rotateLive?.(edgeId);
        result.rotated++;
      } catch (err) {
        // another process leads: the rotation is its own (broker/mosquitto/wiring.ts)
        if ((err as Error).name === 'NotLeader') continue;
        logger.warn({ edgeId, err: (err as Error).message }, 'reconcile: could not rotate the box live to seal its secret; tried again at the next reconcile');
      }
    }
    result.republished = (await this.deps.republish?.()) ?? 0;
    logger.info({ ...result, unrecoverable: result.unrecoverable.length, ms: Date.now() - started }, 'Mosquitto accounts reconciled');
    return result;
  }
}

function allowed(result: DynsecResult, command: DynsecCommand, tolerated?: RegExp): void {
  if (result.error && !(tolerated && tolerated.test(result.error))) throw new DynsecCommandError(command, result.error);
}

function parseClients(data: unknown): BrokerClient[] {
  const list = (data as { clients?: unknown } | undefined)?.clients;
  if (!Array.isArray(list)) throw new Error('dynamic security listClients answered without a client list');
  return list.flatMap((c: unknown) => {
    const client = c as { username?: unknown; disabled?: unknown; roles?: unknown };
    if (typeof client.username !== 'string') return [];
    const roles = Array.isArray(client.roles) ? client.roles.map((r: { rolename?: unknown }) => String(r.rolename)) : [];
    return [{ username: client.username, disabled: client.disabled === true, roles }];
  });
}

function parseRoles(data: unknown): string[] {
  const list = (data as { roles?: unknown } | undefined)?.roles;
  if (!Array.isArray(list)) throw new Error('dynamic security listRoles answered without a role list');
  return list.map((r: unknown) => (typeof r === 'string' ? r : String((r as { rolename?: unknown }).rolename))).filter((r) => r.startsWith(ROLE_PREFIX));
}
