import { describe, expect, it } from 'vitest';
import { eligibleKinds, inScope, quietHoursEnd } from './preferences.js';

/** Epoch ms of a local time in Vị Tân (UTC+7) on 6 December 2026. */
const local = (h: number, m = 0, dayOffset = 0) => Date.UTC(2026, 11, 6 + dayOffset, h - 7, m);

describe('quiet hours in the commune\'s time', () => {
  const night = { start: '22:00', end: '06:00' };
  it('across midnight: from 22:00 to 06:00 messages wait for 06:00', () => {
    expect(quietHoursEnd(night, local(23, 30))).toBe(local(6, 0, 1));
    expect(quietHoursEnd(night, local(2, 15))).toBe(local(6, 0));
    expect(quietHoursEnd(night, local(22, 0))).toBe(local(6, 0, 1));
  });
  it('outside them, and at their end, now', () => {
    expect(quietHoursEnd(night, local(6, 0))).toBe(local(6, 0));
    expect(quietHoursEnd(night, local(12, 0))).toBe(local(12, 0));
    expect(quietHoursEnd(null, local(23, 0))).toBe(local(23, 0));
  });
  it('within one day (a siesta 12:00–13:30)', () => {
    const siesta = { start: '12:00', end: '13:30' };
    expect(quietHoursEnd(siesta, local(12, 45))).toBe(local(13, 30));
    expect(quietHoursEnd(siesta, local(11, 59))).toBe(local(11, 59));
    expect(quietHoursEnd(siesta, local(23, 0))).toBe(local(23, 0));
  });
});

describe('which kinds are whose', () => {
  it('follows the permission table', () => {
    expect(eligibleKinds({ role: 'police' })).toEqual(['incident']);
    // a loudspeaker zone alarm concerns both who tends the boxes and who speaks through them
    expect(eligibleKinds({ role: 'technician' })).toEqual(['device', 'speaker']);
    expect(eligibleKinds({ role: 'operator' })).toEqual(['alert_not_started', 'speaker']);
    expect(eligibleKinds({ role: 'admin' })).toEqual(['incident', 'device', 'alert_not_started', 'speaker']);
    expect(eligibleKinds({ role: 'viewer' })).toEqual([]);
  });
});

describe('whose hamlets and cameras a subject is in', () => {
  it('nothing chosen is the whole commune, even a subject without a hamlet', () => {
    expect(inScope({ hamlets: [], cameras: [] }, { hamletCodes: ['ap-2'] })).toBe(true);
    expect(inScope({ hamlets: [], cameras: [] }, { hamletCodes: [] })).toBe(true);
  });
  it('a chosen hamlet or camera lets its subjects through and no others', () => {
    const ap1 = { hamlets: ['ap-1'], cameras: ['edge_B/cam-2'] };
    expect(inScope(ap1, { hamletCodes: ['ap-1'], camera: 'edge_A/cam-1' })).toBe(true);
    expect(inScope(ap1, { hamletCodes: ['ap-2'], camera: 'edge_A/cam-1' })).toBe(false);
    expect(inScope(ap1, { hamletCodes: ['ap-2'], camera: 'edge_B/cam-2' })).toBe(true);
    expect(inScope(ap1, { hamletCodes: [] })).toBe(false);
    // an alert that did not start in several hamlets: one of them is enough
    expect(inScope(ap1, { hamletCodes: ['ap-3', 'ap-1'] })).toBe(true);
  });
});
