import { describe, expect, it } from 'vitest';
import { actions, allowedDuringPasswordChange, can, PERMISSIONS, provinceRoles, rolesFor, scopes, type Action } from './permissions.js';
import { roles, type Role } from './roles.js';

const everyone: Role[] = ['admin', 'technician', 'operator', 'police', 'viewer'];

/** Who may do what, written out: changing the table changes this test, visibly. */
const WHO_MAY: Record<Action, Role[]> = {
  'account.self': everyone,
  'hamlets.read': everyone,
  'hamlets.locations.manage': ['admin', 'technician'],
  'commune.codes.read': ['admin', 'technician', 'operator'],
  'commune.codes.manage': ['admin', 'technician'],
  'fleet.edges.read': everyone,
  'fleet.edges.manage': ['admin', 'technician'],
  'fleet.speakers.test': ['admin', 'technician', 'operator'],
  'fleet.speakers.manage': ['admin', 'technician', 'operator'],
  'fleet.cameras.manage': ['admin', 'technician'],
  'fleet.edges.diagnose': ['admin', 'technician'],
  'fleet.edges.restart': ['admin', 'technician'],
  'fleet.releases.read': ['admin', 'technician'],
  // a release changes the software of every box: only the commune's IT officer
  'fleet.releases.manage': ['admin'],
  'radio.bulletins.read': ['admin', 'operator', 'viewer'],
  'radio.bulletins.write': ['admin', 'operator'],
  'radio.dictionary.manage': ['admin', 'operator'],
  'radio.schedules.manage': ['admin', 'operator'],
  'radio.alerts.manage': ['admin', 'operator'],
  'radio.alerts.senders.manage': ['admin'],
  'radio.playback.read': ['admin', 'operator', 'viewer'],
  'radio.live.manage': ['admin', 'operator'],
  'radio.stations.manage': ['admin', 'operator'],
  'radio.relays.manage': ['admin', 'operator'],
  'incidents.review': ['admin', 'police'],
  'footage.request': ['admin', 'police'],
  'reports.review': ['admin', 'police'],
  'notifications.reach.read': ['admin', 'operator', 'viewer'],
  'notifications.deliveries.manage': ['admin'],
  'users.manage': ['admin'],
  'audit.read': ['admin'],
  'notifications.zalo.manage': ['admin'],
  // a viewer has nothing to be told about
  'notifications.subscribe': ['admin', 'technician', 'operator', 'police'],
  // the province's shape: only its own admin, never a commune's
  'communes.manage': ['admin'],
};

/** What only a province-level person may do; a commune's people of the same role may not. */
const PROVINCE_ONLY: Action[] = ['fleet.releases.manage', 'communes.manage'];
const province = { communeCode: null };
const commune = { communeCode: 'xa-a' };

describe('the permission table', () => {
  it('names every action once', () => {
    expect(new Set(actions).size).toBe(actions.length);
    expect(Object.keys(WHO_MAY).sort()).toEqual([...actions].sort());
  });

  it.each(actions.map((a) => [a]))('lets exactly the pinned roles do %s, at the pinned levels', (action) => {
    const provinceOnly = PROVINCE_ONLY.includes(action);
    expect(rolesFor(action)).toEqual(WHO_MAY[action].map((role) => (provinceOnly ? `${role} (province)` : role)));
    for (const role of roles) {
      expect(can({ role, ...province }, action), `province ${role} ${action}`).toBe(WHO_MAY[action].includes(role));
      expect(can({ role, ...commune }, action), `commune ${role} ${action}`).toBe(WHO_MAY[action].includes(role) && !provinceOnly);
    }
  });

  it('takes a person without a stated commune for a province-level one (the first admin)', () => {
    expect(can({ role: 'admin' }, 'communes.manage')).toBe(true);
    expect(can({ role: 'admin', communeCode: 'xa-a' }, 'communes.manage')).toBe(false);
  });

  it('gives each scope and role only known actions, each once', () => {
    expect([...scopes]).toEqual(['province', 'commune']);
    for (const scope of scopes) {
      expect(Object.keys(PERMISSIONS[scope]).sort(), scope).toEqual([...roles].sort());
      for (const role of roles) {
        const granted = PERMISSIONS[scope][role];
        expect(new Set(granted).size, `${scope} ${role}`).toBe(granted.length);
        for (const action of granted) expect(actions, `${scope} ${role} ${action}`).toContain(action);
      }
    }
    // every role exists at the province too (its technicians, operators, police and leaders)
    expect(provinceRoles).toEqual([...roles]);
  });

  it("lets the province's administrator do everything, a commune's all but the province's shape, and the viewer change nothing but their own account", () => {
    expect(actions.filter((a) => !can({ role: 'admin', ...province }, a))).toEqual([]);
    expect(actions.filter((a) => !can({ role: 'admin', ...commune }, a))).toEqual(PROVINCE_ONLY);
    for (const scope of [province, commune]) {
      expect(actions.filter((a) => can({ role: 'viewer', ...scope }, a))).toEqual(['account.self', 'hamlets.read', 'fleet.edges.read', 'radio.bulletins.read', 'radio.playback.read', 'notifications.reach.read']);
    }
  });

  it('lets a person whose password an admin set only look after their own account', () => {
    expect(actions.filter(allowedDuringPasswordChange)).toEqual(['account.self']);
  });
});
