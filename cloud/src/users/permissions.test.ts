import { describe, expect, it } from 'vitest';
import { actions, allowedDuringPasswordChange, can, PROVINCE_ONLY_ACTIONS, ROLE_PERMISSIONS, rolesFor, type Action } from './permissions.js';
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
};

describe('the permission table', () => {
  it('names every action once', () => {
    expect(new Set(actions).size).toBe(actions.length);
    expect(Object.keys(WHO_MAY).sort()).toEqual([...actions].sort());
  });

  it.each(actions.map((a) => [a]))('lets exactly the pinned roles do %s', (action) => {
    expect(rolesFor(action)).toEqual(WHO_MAY[action]);
    for (const role of roles) expect(can({ role }, action), `${role} ${action}`).toBe(WHO_MAY[action].includes(role));
  });

  it('gives each role only known actions, each once', () => {
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...roles].sort());
    for (const role of roles) {
      const granted = ROLE_PERMISSIONS[role];
      expect(new Set(granted).size, role).toBe(granted.length);
      for (const action of granted) expect(actions, `${role} ${action}`).toContain(action);
    }
  });

  it('lets the administrator do everything and the viewer change nothing but their own account', () => {
    expect(actions.filter((a) => !can({ role: 'admin' }, a))).toEqual([]);
    expect(actions.filter((a) => can({ role: 'viewer' }, a))).toEqual(['account.self', 'hamlets.read', 'fleet.edges.read', 'radio.bulletins.read', 'radio.playback.read', 'notifications.reach.read']);
  });

  it('keeps releases and rollouts to province-level people: a commune admin only follows them', () => {
    expect(PROVINCE_ONLY_ACTIONS).toEqual(['fleet.releases.manage']);
    expect(can({ role: 'admin', communeCode: null }, 'fleet.releases.manage')).toBe(true);
    expect(can({ role: 'admin', communeCode: 'vi-tan' }, 'fleet.releases.manage')).toBe(false);
    expect(can({ role: 'admin', communeCode: 'vi-tan' }, 'fleet.releases.read')).toBe(true);
    // everything else a commune's admin may do as before (scope then keeps it to their commune's objects)
    expect(actions.filter((a) => !can({ role: 'admin', communeCode: 'vi-tan' }, a))).toEqual(['fleet.releases.manage']);
    for (const role of roles) expect(can({ role, communeCode: 'vi-tan' }, 'fleet.releases.read'), role).toBe(can({ role }, 'fleet.releases.read'));
  });

  it('lets a person whose password an admin set only look after their own account', () => {
    expect(actions.filter(allowedDuringPasswordChange)).toEqual(['account.self']);
  });
});
