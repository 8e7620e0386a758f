import { roles, type Role } from './roles.js';

/**
 * What a person may do, as named domain verbs. Every API route and every console page declares
 * one of these (or is public, or for a box's own credentials); the menu shows a page only to
 * those whose role has its action. A verb that reads and changes one kind of thing ("manage")
 * includes seeing it.
 */
export const actions = [
  /** Look after one's own account: change the password, log out (also while a forced change is pending). */
  'account.self',
  'hamlets.read',
  /** Hamlets' locations (points, outlines), read and change. */
  'hamlets.locations.manage',
  /** The commune's and province's administrative unit codes that CAP geocodes are compared with. */
  'commune.codes.read',
  'commune.codes.manage',
  'fleet.edges.read',
  /** Boxes: create, change, delete, claim tokens, revoke, rotate, ping, configuration. */
  'fleet.edges.manage',
  /** Play the test tone on a box's loudspeakers. */
  'fleet.speakers.test',
  /** Loudspeaker zones: set volume and mute; told (banner, notification) of a zone down too long. */
  'fleet.speakers.manage',
  /** Cameras on boxes: settings, zones, rules, snapshots, discovery, surveillance on/off. */
  'fleet.cameras.manage',
  /** A box's recent logs and its `doctor` checks, fetched from the console. */
  'fleet.edges.diagnose',
  /** Restart a box's daemon or reboot the box (with a reason, audited). */
  'fleet.edges.restart',
  /** Edge releases and rollouts: see them and each box's progress. */
  'fleet.releases.read',
  /** Upload and delete release bundles; start, pause, resume and cancel rollouts. */
  'fleet.releases.manage',
  'radio.bulletins.read',
  /** Write, preview, listen to and delete bulletins; the speech voices. */
  'radio.bulletins.write',
  /** The pronunciation dictionary of the speech engine. */
  'radio.dictionary.manage',
  'radio.schedules.manage',
  /** Emergency alerts: send, cancel, list; CAP messages held for an operator; read the trusted senders. */
  'radio.alerts.manage',
  /** Add and remove trusted CAP senders. */
  'radio.alerts.senders.manage',
  /** Proof of play, on screen and as CSV. */
  'radio.playback.read',
  /** Live sessions (the operator's own voice, relays on air): start, stop, list, follow. */
  'radio.live.manage',
  /** The stations the commune relays (tiếp sóng): add, change, delete, check their stream URLs. */
  'radio.stations.manage',
  /** Relay a station now to chosen hamlets, stop a relay, see the relays on air and their stream's state. */
  'radio.relays.manage',
  /** Camera incidents and their files: list, view, review, notes, export; who may be assigned one. */
  'incidents.review',
  /** Ask a camera's recording by time (footage requests) and follow them. */
  'footage.request',
  /** Citizens' reports: list, view, photo, handle. */
  'reports.review',
  /** "Where it went": how many notifications of an alert or a bulletin each channel sent, beside its loudspeaker starts. */
  'notifications.reach.read',
  /** The notifications outbox: every message with its delivery attempts and reasons; try a given-up one again. */
  'notifications.deliveries.manage',
  'users.manage',
  'audit.read',
  /** The commune's Zalo Official Account: connect it (app id, secret, tokens), see its state and followers. */
  'notifications.zalo.manage',
  /** Receive Web Push notifications about one's work on one's own devices: subscribe them, choose kinds and quiet hours. */
  'notifications.subscribe',
  /** The province's communes and their hamlets: list, create, rename, retire, reorder, import a CSV of them (issue 10). */
  'communes.manage',
] as const;

export type Action = (typeof actions)[number];

/**
 * Where a person stands (issue 10): a province-level person (no commune) or a commune's own. The
 * table below is keyed by scope, then role.
 */
export const scopes = ['province', 'commune'] as const;
export type Scope = (typeof scopes)[number];

/** Today's five roles as a commune has them (a commune's admin is its IT officer). */
const COMMUNE_ROLES: Readonly<Record<Exclude<Role, 'admin'>, readonly Action[]>> = {
  technician: [
    'account.self',
    'hamlets.read',
    'hamlets.locations.manage',
    'commune.codes.read',
    'commune.codes.manage',
    'fleet.edges.read',
    'fleet.edges.manage',
    'fleet.speakers.test',
    'fleet.speakers.manage',
    'fleet.cameras.manage',
    'fleet.edges.diagnose',
    'fleet.edges.restart',
    'fleet.releases.read',
    'notifications.subscribe',
  ],
  operator: [
    'account.self',
    'hamlets.read',
    'commune.codes.read',
    'fleet.edges.read',
    'fleet.speakers.test',
    'fleet.speakers.manage',
    'radio.bulletins.read',
    'radio.bulletins.write',
    'radio.dictionary.manage',
    'radio.schedules.manage',
    'radio.alerts.manage',
    'radio.playback.read',
    'radio.live.manage',
    'radio.stations.manage',
    'radio.relays.manage',
    'notifications.reach.read',
    'notifications.subscribe',
  ],
  police: ['account.self', 'hamlets.read', 'fleet.edges.read', 'incidents.review', 'footage.request', 'reports.review', 'notifications.subscribe'],
  viewer: ['account.self', 'hamlets.read', 'fleet.edges.read', 'radio.bulletins.read', 'radio.playback.read', 'notifications.reach.read'],
};

/** What only a province-level person may do: the shape of the province itself, and the boxes' software (one release for every commune). */
export const PROVINCE_ONLY: readonly Action[] = ['fleet.releases.manage', 'communes.manage'];

/**
 * Who may do what: the one table API routes, console pages and menus read, by scope and role.
 * Every role exists at both levels: the province's own technicians look after every commune's
 * boxes, its operators write province-wide programmes, its police and leaders (viewer) follow every
 * commune. What a person sees of those is narrowed by their commune (communes/scope.ts); what
 * they may do at all is here. Call sites ask `can(person, action)`.
 */
export const PERMISSIONS: Readonly<Record<Scope, Readonly<Record<Role, readonly Action[]>>>> = {
  province: { admin: actions, ...COMMUNE_ROLES },
  // the commune's IT officer may do everything in the commune, but not reshape the province
  commune: { admin: actions.filter((a) => !PROVINCE_ONLY.includes(a)), ...COMMUNE_ROLES },
};

/** The roles a province-level person may have (the users API refuses the others without a commune). */
export const provinceRoles: readonly Role[] = roles.filter((role) => PERMISSIONS.province[role].length > 0);

/** What a person may still do while the password an admin set waits to be changed. */
const DURING_PASSWORD_CHANGE: readonly Action[] = ['account.self'];

/** Who is asking: their role, and their commune (null: province-level; see communes/scope.ts). */
export interface Person {
  role: Role;
  communeCode?: string | null;
}

/** A person without a commune (null, or not stated) is province-level, like the first admin. */
export const scopeOf = (person: Person): Scope => (person.communeCode ? 'commune' : 'province');

export const can = (person: Person, action: Action): boolean => PERMISSIONS[scopeOf(person)][person.role].includes(action);

/**
 * Who may do `action`, in the usual role order, for the OpenAPI description and refusals: a role
 * allowed at both levels by its name, one allowed only at one level as "admin (province)".
 */
export const rolesFor = (action: Action): string[] =>
  roles.flatMap((role) => {
    const atProvince = PERMISSIONS.province[role].includes(action);
    const inCommune = PERMISSIONS.commune[role].includes(action);
    if (atProvince && inCommune) return [role];
    if (atProvince) return [`${role} (province)`];
    return inCommune ? [`${role} (commune)`] : [];
  });

export const allowedDuringPasswordChange = (action: Action): boolean => DURING_PASSWORD_CHANGE.includes(action);

/**
 * Who may call a route: a person who may do the action, an edge box with its own credentials, an
 * external MQTT broker with SC_BROKER_AUTH_TOKEN (a machine asking about boxes' connections, not a
 * person: no role fits it), or anyone. A person whose password an admin set may only do what
 * `allowedDuringPasswordChange` says until they have chosen their own.
 */
export type Access = Action | 'device' | 'broker' | 'public';
