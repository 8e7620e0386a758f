import { describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { capMessage, type TestInfo } from '../testing/cap-messages.js';
import type { CommunePlace } from './cap-areas.js';
import { parseCap } from './cap-parser.js';
import { decideCap, type CapContext } from './cap-rules.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-06T08:00:00Z');
const place: CommunePlace = { name: VI_TAN.name, district: VI_TAN.district, province: VI_TAN.province, adminCode: null, provinceAdminCode: null, hamlets: VI_TAN.hamlets.map((h) => ({ ...h, shapes: null })) };
const ctx = (over: Partial<CapContext> = {}): CapContext => ({ now: NOW, maxAgeMs: HOUR, defaultTtlMs: 6 * HOUR, place, senderTrusted: true, ...over });
const cap = (infos: TestInfo[], sent = NOW) => {
  const parsed = parseCap(capMessage({ identifier: 'VT-1', sent, infos }));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.alert;
};
const HAMLET_2 = [{ areaDesc: 'Ấp 2' }];

describe('decideCap', () => {
  it('refuses a stale message before anything else, and an expired one', () => {
    const english = cap([{ language: 'en-US', areas: [{ areaDesc: 'Somewhere' }] }], NOW - HOUR - 1);
    expect(decideCap(english, ctx({ senderTrusted: false }))).toMatchObject({ action: 'refuse', status: 422, code: 'stale' });
    expect(decideCap(cap([{ areas: HAMLET_2 }], NOW - HOUR), ctx())).toMatchObject({ action: 'play' });
    expect(decideCap(cap([{ areas: HAMLET_2, expires: NOW - 1 }], NOW - 2 * HOUR), ctx())).toMatchObject({ action: 'refuse', code: 'not_played' });
  });

  it('holds for every reason at once, keeping the original text and no Vietnamese words', () => {
    const decision = decideCap(cap([{ language: 'en-US', headline: 'Flood', eas: 'The canal rises.', areas: [{ areaDesc: 'Low ground' }] }]), ctx({ senderTrusted: false }));
    expect(decision).toMatchObject({ action: 'hold', reasons: ['no_evaluable_area', 'no_vietnamese', 'untrusted_sender'], candidate: { originalText: 'The canal rises.', text: null, targets: null, language: 'en-US' } });
  });

  it('plays a trusted Vietnamese message for its hamlets, from a future effective time, 6 hours without expires', () => {
    const decision = decideCap(cap([{ areas: HAMLET_2, effective: NOW + 2 * HOUR, onset: NOW + 5 * HOUR, eas: 'Nước lên.' }]), ctx());
    expect(decision).toMatchObject({
      action: 'play',
      candidate: { text: 'Nước lên.', targets: { all: false, hamlets: ['ap-2'] }, effectiveAt: NOW + 2 * HOUR, onsetAt: NOW + 5 * HOUR, expiresAt: NOW + 6 * HOUR, priority: 'emergency', kind: 'flood', repeatEveryMs: 2 * HOUR },
    });
    expect(decideCap(cap([{ areas: HAMLET_2, effective: NOW - HOUR }]), ctx())).toMatchObject({ candidate: { effectiveAt: null } });
  });

  it('refuses a message for somewhere else, and one with nothing to say', () => {
    expect(decideCap(cap([{ areas: [{ areaDesc: 'Tỉnh Cà Mau' }] }]), ctx())).toMatchObject({ action: 'refuse', code: 'not_applicable', message: "the alert's areas (Tỉnh Cà Mau) include no hamlet of Xã Vị Tân" });
    const silent = parseCap(capMessage({ identifier: 'VT-2', sent: NOW, infos: [{ areas: HAMLET_2 }] }).replace(/<headline>[^<]*<\/headline>/, ''));
    expect(silent.ok && decideCap(silent.alert, ctx())).toMatchObject({ action: 'refuse', status: 400 });
  });
});
