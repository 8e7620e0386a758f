import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertMessageSchema, topics, VI_TAN, type AlertMessage } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { waitFor } from '../../../../test-support/wait.js';
import type { LatLon } from '../cap/cap-geography.js';
import { capMessage, capTime, type TestInfo } from '../testing/cap-messages.js';
import { startRadioKit, type RadioKit } from '../testing/radio-test-kit.js';

const HOUR = 3_600_000;
const LEAD_MS = 1500;
const sample = (name: string) => readFileSync(new URL(`../cap/samples/${name}`, import.meta.url), 'utf8');

/** A test layout (not the real map): the nine hamlets 2 km apart west to east along 9.8° N, each a 600 m circle. */
const M_PER_DEG_LON = 109_706;
const centreOf = (code: string): LatLon => [9.8, 105.4 + (VI_TAN.hamlets.findIndex((h) => h.code === code) * 2000) / M_PER_DEG_LON];
const locationsCsv = (codes: readonly string[]) => ['code,lat,lon,radius_m', ...codes.map((c) => `${c},${centreOf(c)[0]},${centreOf(c)[1]},600`)].join('\n');
const ALL_CODES = VI_TAN.hamlets.map((h) => h.code);

describe('CAP rules: where, whether and what', () => {
  let test: TestCloud;
  let kit: RadioKit;
  let broadcasts: AlertMessage[];
  let unsubscribe: () => Promise<void>;
  const edges = new Map<string, string>();

  const claimedEdge = async (hamletCode: string, at?: LatLon) => {
    const body = { name: `Tủ ${hamletCode}`, hamletCode, ...(at ? { lat: at[0], lon: at[1] } : {}) };
    const { id } = (await test.api<{ id: string }>('POST', '/api/v1/edges', body)).body;
    const { token } = (await test.api<{ token: string }>('POST', `/api/v1/edges/${id}/claim-tokens`)).body;
    expect((await test.api('POST', '/api/v1/provision/claim', { token }, null)).status).toBe(200);
    await waitFor(() => test.cloud.fleet.documents.get(id, 'schedule'), `first plan of ${id}`);
    edges.set(hamletCode, id);
    return id;
  };
  const alertItems = async (hamletCode: string)=> (await test.cloud.fleet.documents.get(edges.get(hamletCode)!, 'schedule'))!.body.items.filter((i) => i.occurrenceId.startsWith('alert:'));
  /** The alerts in a hamlet's box's plan (a flood repeats every 2 hours: several items each). */
  const alertsIn = async (hamletCode: string) => [...new Set((await alertItems(hamletCode)).map((i) => i.scheduleId))];
  const postCap = (xml: string) => kit.request('POST', '/api/v1/alerts', xml, { contentType: 'application/cap+xml' });
  const importLocations = async (codes: readonly string[]) => {
    const res = await test.cloud.app.request('/api/v1/hamlets/locations', { method: 'POST', headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'text/csv' }, body: locationsCsv(codes) });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  const message = (identifier: string, info: TestInfo, extra: { sent?: number; status?: string } = {}) =>
    capMessage({ identifier, sent: extra.sent ?? kit.clock.now(), status: extra.status, infos: [{ expires: kit.clock.now() + 4 * HOUR, ...info }] });
  const nothingPlayed = async () => {
    expect(kit.speech.requests).toEqual([]);
    expect(broadcasts).toEqual([]);
    expect((await kit.request('GET', '/api/v1/alerts')).body.alerts).toEqual([]);
  };

  beforeEach(async () => {
    test = await startTestCloud();
    kit = await startRadioKit(test.cloud, test.adminToken, { alertLeadMs: LEAD_MS });
    edges.clear();
    for (const code of ['ap-2', 'ap-2a', 'ap-3']) await claimedEdge(code);
    broadcasts = [];
    unsubscribe = await test.cloud.broker.subscribe(topics.broadcast('alert'), (_topic, payload) => broadcasts.push(alertMessageSchema.parse(JSON.parse(payload.toString()))));
  });
  afterEach(async () => {
    await unsubscribe();
    await kit.stop();
    await test.stop();
  });

  describe("the specification's Amber Alert (Los Angeles County, English and Spanish, sent 2003, no expires)", () => {
    it('is refused as stale', async () => {
      const res = await postCap(sample('amber-alert-abroad.xml'));
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'stale', message: expect.stringMatching(/^stale CAP message: sent 2003-06-12T12:39:00\+07:00, more than 3600 s ago \(SC_CAP_MAX_AGE_S\), and without expires$/) });
      await nothingPlayed();
    });

    it('sent just now, is held (no Vietnamese, an area it cannot place); with the commune\'s codes set, refused as elsewhere', async () => {
      const fresh = sample('amber-alert-abroad.xml').replace('2003-06-11T22:39:00-07:00', capTime(kit.clock.now()));
      const held = await postCap(fresh);
      expect(held.status, JSON.stringify(held.body)).toBe(202);
      expect(held.body).toMatchObject({ status: 'held', reasons: ['no_evaluable_area', 'no_vietnamese'], language: 'en-US', headline: 'Amber Alert in Los Angeles County', text: null, targets: null });
      await nothingPlayed();

      const codes = await test.request('PUT', '/api/v1/commune/admin-codes', { adminCode: '31474', provinceAdminCode: '93' });
      expect(codes.status).toBe(200);
      const elsewhere = await postCap(fresh.replace('KAR0-0306112239-SW', 'KAR0-0306112239-SW2'));
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body.error).toMatchObject({ code: 'not_applicable', message: "the alert's areas (Los Angeles County) include no hamlet of Xã Vị Tân" });
      await nothingPlayed();
    });
  });

  it('a polygon around two hamlets plays in exactly those', async () => {
    await importLocations(ALL_CODES);
    const [a, b] = [centreOf('ap-2'), centreOf('ap-2a')];
    const polygon: LatLon[] = [[a[0] - 0.006, a[1] - 0.004], [a[0] - 0.006, b[1] + 0.004], [b[0] + 0.006, b[1] + 0.004], [b[0] + 0.006, a[1] - 0.004], [a[0] - 0.006, a[1] - 0.004]];
    const res = await postCap(message('VT-POLY-1', { areas: [{ areaDesc: 'Vùng trũng ven kênh Xà No', polygon }], eas: 'Nước kênh Xà No lên nhanh, bà con kê cao đồ đạc.' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.targets).toEqual({ all: false, hamlets: ['ap-2', 'ap-2a'], edges: [] });
    expect(await alertsIn('ap-2')).toEqual([res.body.id]);
    expect(await alertsIn('ap-2a')).toEqual([res.body.id]);
    expect(await alertsIn('ap-3')).toEqual([]);
    await waitFor(() => broadcasts.length === 1, 'the start broadcast');
    expect(broadcasts[0]).toMatchObject({ action: 'start', targets: { all: false, hamlets: ['ap-2', 'ap-2a'], edges: [] } });
  });

  it("a circle around a box's coordinates plays in that box's hamlet, which has no location of its own", async () => {
    const boxAt: LatLon = [9.7612, 105.4471];
    await claimedEdge('ap-7', boxAt);
    await importLocations(ALL_CODES.filter((c) => c !== 'ap-7'));
    const location = await test.request('GET', '/api/v1/hamlets/ap-7/location');
    expect(location.body).toMatchObject({ source: 'boxes', lat: null, boxes: [{ id: edges.get('ap-7'), lat: boxAt[0], lon: boxAt[1] }], boxRadiusM: 500 });
    const res = await postCap(message('VT-CIRCLE-1', { areas: [{ areaDesc: 'Quanh trạm bơm', circle: { centre: boxAt, km: 0.2 } }] }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.targets.hamlets).toEqual(['ap-7']);
    expect(await alertsIn('ap-7')).toEqual([res.body.id]);
    expect(await alertsIn('ap-2')).toEqual([]);
  });

  it('holds a shape while a hamlet has no location at all, and plays the hamlets an area names', async () => {
    const circle = { centre: centreOf('ap-3'), km: 0.3 };
    const held = await postCap(message('VT-CIRCLE-2', { areas: [{ areaDesc: 'Quanh cầu kênh', circle }] }));
    expect(held.status).toBe(202);
    expect(held.body.reasons).toEqual(['no_evaluable_area']);
    const named = await postCap(message('VT-NAMED-1', { areas: [{ areaDesc: 'Ấp 3, xã Vị Tân' }] }));
    expect(named.status).toBe(201);
    expect(named.body.targets.hamlets).toEqual(['ap-3']);
  });

  it('refuses a stale message (sent over SC_CAP_MAX_AGE_S ago, no expires); with expires it plays', async () => {
    const sent = kit.clock.now() - 2 * HOUR;
    const stale = await postCap(capMessage({ identifier: 'VT-OLD-1', sent, infos: [{ areas: [{ areaDesc: 'Ấp 2' }] }] }));
    expect(stale.status).toBe(422);
    expect(stale.body.error.code).toBe('stale');
    await nothingPlayed();
    const withExpiry = await postCap(capMessage({ identifier: 'VT-OLD-2', sent, infos: [{ areas: [{ areaDesc: 'Ấp 2' }], expires: kit.clock.now() + HOUR }] }));
    expect(withExpiry.status).toBe(201);
  });

  it('never plays an Exercise (nor a Test)', async () => {
    for (const status of ['Exercise', 'Test']) {
      const res = await postCap(message(`VT-${status}`, { areas: [{ areaDesc: 'Ấp 2' }] }, { status }));
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'not_played', message: expect.stringContaining(`CAP status ${status}: only Actual alerts are played`) });
    }
    await nothingPlayed();
  });

  it('reads the Vietnamese block of a bilingual message, whichever comes first', async () => {
    const res = await postCap(
      capMessage({
        identifier: 'VT-BILINGUAL-1',
        sent: kit.clock.now(),
        infos: [
          { language: 'en-US', headline: 'Flood on the Xa No canal', eas: 'The Xa No canal is rising fast.', areas: [{ areaDesc: 'Hamlet 2, Vi Tan commune' }], expires: kit.clock.now() + HOUR },
          { language: 'vi', headline: 'Lũ trên kênh Xà No', eas: 'Nước kênh Xà No lên nhanh, bà con ấp 2 kê cao đồ đạc.', areas: [{ areaDesc: 'Ấp 2, xã Vị Tân' }], expires: kit.clock.now() + HOUR },
        ],
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ title: 'Lũ trên kênh Xà No', text: 'Nước kênh Xà No lên nhanh, bà con ấp 2 kê cao đồ đạc.', targets: { hamlets: ['ap-2'] } });
    expect(kit.speech.requests.map((r) => r.text)).toEqual(['Nước kênh Xà No lên nhanh, bà con ấp 2 kê cao đồ đạc.']);
  });

  it('starts at a future effective time, not before; the plans carry it then', async () => {
    const effective = kit.clock.now() + 3 * HOUR;
    const res = await postCap(message('VT-LATER-1', { effective, expires: effective + HOUR, areas: [{ areaDesc: 'Ấp 3' }] }));
    expect(res.status).toBe(201);
    expect(res.body.startsAt).toBe(effective);
    await waitFor(() => broadcasts.length === 1, 'the start broadcast');
    expect(broadcasts[0]).toMatchObject({ startAt: effective });
    expect((await alertItems('ap-3')).map((i) => i.startAt)).toEqual([effective]);
  });

  it('plays at the priority its urgency, severity and certainty give, with the risk level of a natural disaster', async () => {
    const minor = await postCap(message('VT-MINOR-1', { urgency: 'Future', severity: 'Minor', certainty: 'Likely', areas: [{ areaDesc: 'Ấp 2' }] }));
    expect(minor.body).toMatchObject({ priority: 'normal', riskLevel: 1 });
    const moderate = await postCap(message('VT-MOD-1', { urgency: 'Expected', severity: 'Moderate', areas: [{ areaDesc: 'Ấp 2' }] }));
    expect(moderate.body).toMatchObject({ priority: 'priority', riskLevel: 2 });
    const fire = await postCap(message('VT-FIRE-1', { category: 'Fire', event: 'Cháy nhà', urgency: 'Immediate', severity: 'Extreme', areas: [{ areaDesc: 'Ấp 2' }] }));
    expect(fire.body).toMatchObject({ priority: 'emergency', riskLevel: null, kind: 'fire' });
    expect([...new Set((await alertItems('ap-2')).map((i) => i.priority))].sort()).toEqual(['emergency', 'normal', 'priority']);
  });
});
