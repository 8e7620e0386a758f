import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { BoxAccount } from '../../fleet/device-credentials.js';
import { assertUsableEdgeId, boxAcls, DEFAULT_ACL_ACCESS, ROLE_PREFIX, roleName } from './box-acls.js';

/**
 * Mosquitto 2.0.11's dynamic security file (plugin_opt_config_file), written whole: the fast way to
 * give a broker thousands of box accounts. Through $CONTROL each command makes the plugin rewrite
 * this whole file (dynsec__config_save in every process_* function), so creating N accounts one by
 * one costs ~N² (1,000 boxes took 48 s); a broker started with the file has them all at once.
 *
 * The format is the one the plugin saves (confirmed by reading the file after mosquitto_ctrl's
 * createClient/createRole): clients with username, clientid, textname, roles [{rolename, priority}],
 * password = base64 PBKDF2-HMAC-SHA512 (64 bytes) of the password over the *decoded* salt
 * (12 random bytes, base64) with `iterations` (101, as the plugin's own), and "disabled": true when
 * disabled; roles with rolename, textname and acls [{acltype, topic, priority, allow}].
 */

export const DYNSEC_ITERATIONS = 101;

export interface DynsecAclEntry {
  acltype: string;
  topic: string;
  priority?: number;
  allow: boolean;
}

export interface DynsecClientEntry {
  username: string;
  clientid?: string;
  textname?: string;
  roles?: Array<{ rolename: string; priority?: number }>;
  password?: string;
  salt?: string;
  iterations?: number;
  disabled?: boolean;
  [other: string]: unknown;
}

export interface DynsecRoleEntry {
  rolename: string;
  textname?: string;
  acls?: DynsecAclEntry[];
  [other: string]: unknown;
}

export interface DynsecConfig {
  defaultACLAccess: Record<string, boolean>;
  clients: DynsecClientEntry[];
  groups: unknown[];
  roles: DynsecRoleEntry[];
  [other: string]: unknown;
}

/** The password fields of a client, as the plugin computes and stores them. */
export function hashedPassword(password: string, salt: Buffer = randomBytes(12), iterations = DYNSEC_ITERATIONS): { password: string; salt: string; iterations: number } {
  return { password: pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64'), salt: salt.toString('base64'), iterations };
}

/** True when `password` is the one a client entry holds (the check the plugin makes on CONNECT). */
export function passwordMatches(client: DynsecClientEntry, password: string): boolean {
  if (!client.password || !client.salt || !client.iterations) return false;
  return hashedPassword(password, Buffer.from(client.salt, 'base64'), client.iterations).password === client.password;
}

export const CLOUD_ROLE = 'sc-cloud';

/** What the cloud's own account needs: administer dynamic security, all of sc/# (also as shared subscriptions), read $SYS. */
export function cloudRole(): DynsecRoleEntry {
  const acl = (acltype: string, topic: string): DynsecAclEntry => ({ acltype, topic, priority: 0, allow: true });
  const rw = (topic: string) => [acl('publishClientSend', topic), acl('publishClientReceive', topic), acl('subscribePattern', topic), acl('unsubscribePattern', topic)];
  return {
    rolename: CLOUD_ROLE,
    textname: 'The cloud: dynsec admin, all of sc/#, shared subscriptions, $SYS',
    acls: [
      ...rw('$CONTROL/dynamic-security/#'),
      ...rw('sc/#'),
      // shared subscriptions are checked against the filter with its $share/<group>/ prefix
      acl('subscribePattern', '$share/+/sc/#'),
      acl('unsubscribePattern', '$share/+/sc/#'),
      acl('publishClientReceive', '$SYS/#'),
      acl('subscribePattern', '$SYS/#'),
    ],
  };
}

export function cloudAdminClient(username: string, password: string): DynsecClientEntry {
  return { username, textname: 'Smart Commune cloud', roles: [{ rolename: CLOUD_ROLE }], ...hashedPassword(password) };
}

/** A box's client and role, as the cloud's reconcile would create them through $CONTROL. */
export function boxEntries(edgeId: string, secret: string): { client: DynsecClientEntry; role: DynsecRoleEntry } {
  assertUsableEdgeId(edgeId);
  const rolename = roleName(edgeId);
  return {
    client: { username: edgeId, clientid: edgeId, textname: `box ${edgeId}`, roles: [{ rolename }], ...hashedPassword(secret) },
    role: { rolename, textname: `box ${edgeId}`, acls: boxAcls(edgeId).map((a) => ({ acltype: a.acltype, topic: a.topic, priority: 0, allow: a.allow })) },
  };
}

export interface BuildOptions {
  /** Every active box with its sealed secret (null: the cloud cannot hand it over). */
  accounts: readonly BoxAccount[];
  /** The broker's present file: its accounts and roles other than boxes' are kept as they are (the admin's hash included). */
  existing?: DynsecConfig;
  /** Without an existing file: the cloud's admin account to create (SC_MQTT_URL's credential). */
  admin?: { username: string; password: string };
}

export interface BuiltFile {
  config: DynsecConfig;
  boxes: number;
  /** Active boxes left out: their secret is not sealed and the existing file had no account for them (they need a claim token). */
  unsealed: string[];
  /** Non-box clients kept from the existing file. */
  kept: string[];
}

/**
 * The complete file: the kept (or new admin) accounts, default ACL access deny (unsubscribe
 * allowed), and one client + one role per active box. Boxes' old entries in the existing file are
 * replaced (a retired box's account simply is not there).
 */
export function buildDynsecFile(options: BuildOptions): BuiltFile {
  const boxIds = new Set(options.accounts.map((a) => a.edgeId));
  const isBoxClient = (c: DynsecClientEntry) => boxIds.has(c.username) || (c.roles ?? []).some((r) => r.rolename.startsWith(ROLE_PREFIX));
  const keptClients = options.existing ? options.existing.clients.filter((c) => !isBoxClient(c)) : [];
  const keptRoles = options.existing ? options.existing.roles.filter((r) => !r.rolename.startsWith(ROLE_PREFIX)) : [];
  if (!options.existing) {
    if (!options.admin) throw new Error('without an existing dynamic-security.json to keep the admin from, the admin credential is needed (SC_MQTT_URL=mqtt://user:password@host:port)');
    keptClients.push(cloudAdminClient(options.admin.username, options.admin.password));
    keptRoles.push(cloudRole());
  }
  if (keptClients.length === 0) throw new Error('the file would have no account able to administer dynamic security: keep the existing one or give the admin credential');
  const clients = [...keptClients];
  const roles = [...keptRoles];
  const unsealed: string[] = [];
  for (const { edgeId, secret } of options.accounts) {
    if (secret === null) {
      // the broker may still know it (its hash): kept, and the cloud's reconcile rotates it live to seal it
      const present = options.existing?.clients.find((c) => c.username === edgeId);
      const presentRole = options.existing?.roles.find((r) => r.rolename === roleName(edgeId));
      if (present && presentRole) {
        clients.push(present);
        roles.push(presentRole);
      } else unsealed.push(edgeId);
      continue;
    }
    const { client, role } = boxEntries(edgeId, secret);
    clients.push(client);
    roles.push(role);
  }
  return {
    config: {
      ...(options.existing ?? {}),
      defaultACLAccess: Object.fromEntries(DEFAULT_ACL_ACCESS.map((d) => [d.acltype, d.allow])),
      clients,
      groups: options.existing?.groups ?? [],
      roles,
    },
    boxes: options.accounts.length - unsealed.length,
    unsealed,
    kept: keptClients.map((c) => c.username),
  };
}

/** Reads a dynamic-security.json, naming what is wrong with it. */
export function parseDynsecConfig(text: string, source: string): DynsecConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  const file = parsed as Partial<DynsecConfig> | null;
  if (!file || typeof file !== 'object' || !Array.isArray(file.clients) || !Array.isArray(file.roles)) {
    throw new Error(`${source} is not a dynamic security file (no "clients" and "roles" lists)`);
  }
  for (const c of file.clients) if (typeof (c as DynsecClientEntry)?.username !== 'string') throw new Error(`${source}: a client has no username`);
  for (const r of file.roles) if (typeof (r as DynsecRoleEntry)?.rolename !== 'string') throw new Error(`${source}: a role has no rolename`);
  return { defaultACLAccess: {}, groups: [], ...file } as DynsecConfig;
}
