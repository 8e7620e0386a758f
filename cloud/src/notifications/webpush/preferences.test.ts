import { describe, expect, it } from 'vitest';
import { eligibleKinds, quietHoursEnd } from './preferences.js';

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
    expect(eligibleKinds({ role: 'technician' })).toEqual(['device']);
    expect(eligibleKinds({ role: 'operator' })).toEqual(['alert_not_started']);
    expect(eligibleKinds({ role: 'admin' })).toEqual(['incident', 'device', 'alert_not_started']);
    expect(eligibleKinds({ role: 'viewer' })).toEqual([]);
  });
});
