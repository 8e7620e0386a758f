import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { claimTestEdge } from '../../../../test-support/edge.js';
import { testTelemetry } from '../../../../test-support/telemetry.js';
import { waitFor } from '../../../../test-support/wait.js';
import { SESSION_COOKIE } from '../../auth/session-cookie.js';
import { givenInPlan } from '../testing/radio-test-kit.js';
import { currentMonth, monthRange } from './monthly-report.js';

const DAY = 86_400_000;
const MIN = 60_000;

describe('the monthly broadcast report per hamlet', () => {
  let test: TestCloud;
  let boxA: string;
  let boxA2: string;
  let boxB: string;
  const { from, to } = monthRange('2026-11');
  const day = (d: number, hours = 0) => from + (d - 1) * DAY + hours * 3600_000;

  beforeAll(async () => {
    test = await startTestCloud();
    boxA = (await claimTestEdge(test, 'ap-1', 'Tủ nhà văn hóa')).edgeId;
    boxA2 = (await claimTestEdge(test, 'ap-1', 'Tủ chợ')).edgeId;
    boxB = (await claimTestEdge(test, 'ap-2', 'Tủ ấp 2')).edgeId;
    const db = test.cloud.db;
    // proof of play as the intake stores it (one row per event), from two boxes of Ấp 1 and one of Ấp 2
    let n = 0;
    const play = (edgeId: string, hamlet: string, occurrenceId: string, state: string, durationMs: number | null, priority: string | null, at = day(5, 6), scheduleId = occurrenceId.split(':')[0]!) =>
      db
        .prepare(
          `INSERT INTO playback (event_id, edge_id, occurrence_id, schedule_id, bulletin_id, state, planned_start_at, actual_start_at, duration_ms, received_at, hamlet_code, priority)
           VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(`ev-${++n}`, edgeId, occurrenceId, scheduleId, state, at, at + 100, durationMs, at + 1000, hamlet, priority);
    play(boxA, 'ap-1', 'sch1:2026-11-05', 'started', null, 'normal');
    play(boxA, 'ap-1', 'sch1:2026-11-05', 'completed', 5 * MIN, 'normal');
    play(boxA2, 'ap-1', 'sch1:2026-11-05', 'completed', 5 * MIN - 1000, 'normal'); // the same broadcast heard from a second box: counted once
    play(boxA, 'ap-1', 'alert:al1:0', 'completed', 1 * MIN, 'emergency', day(7), 'al1');
    play(boxA, 'ap-1', 'live:ses1', 'interrupted', 2 * MIN, 'priority', day(8));
    play(boxA, 'ap-1', 'relay:ses2', 'completed', 30 * MIN, 'normal', day(9));
    play(boxA, 'ap-1', 'sch2:2026-11-12', 'interrupted', 100_000, 'priority', day(12)); // interrupted by an emergency, resumed
    play(boxA, 'ap-1', 'sch2:2026-11-12', 'resumed', null, 'priority', day(12));
    play(boxA, 'ap-1', 'sch2:2026-11-12', 'completed', 400_000, 'priority', day(12));
    play(boxA, 'ap-1', 'sch9:2026-11-20', 'completed', 1 * MIN, null, day(20)); // from a box before priorities were stored
    play(boxA, 'ap-1', 'test-tone:1', 'completed', 3000, 'normal', day(21), 'test-tone'); // a technician's beep is no broadcast
    play(boxA, 'ap-1', 'sch3:2026-11-22', 'missed', null, 'normal', day(22));
    play(boxA, 'ap-1', 'sch4:2026-10-31', 'completed', 10 * MIN, 'normal', from - 3600_000); // October (local time)
    play(boxA, 'ap-1', 'sch5:2026-12-01', 'completed', 10 * MIN, 'normal', to); // December
    play(boxB, 'ap-2', 'sch1:2026-11-05', 'completed', 2 * MIN, 'normal');
    // Ấp 1's loudspeakers: zone "cho" ok since October, down 24 h on the 10th; zone "truong" first reported on the 16th
    const zone = (edgeId: string, name: string, state: string, at: number) =>
      db.prepare('INSERT INTO speaker_history (edge_id, zone, state, reason, at) VALUES (?, ?, ?, NULL, ?)').run(edgeId, name, state, at);
    zone(boxA, 'cho', 'ok', from - 5 * DAY);
    zone(boxA, 'cho', 'offline', day(10));
    zone(boxA, 'cho', 'ok', day(11));
    zone(boxA2, 'truong', 'ok', day(16));
    zone(boxA2, 'truong', 'offline', to + DAY); // after the month: nothing in it
  });
  afterAll(async () => {
    await test.stop();
  });

  it('adds up broadcast time by source and priority per hamlet, once per occurrence, and the loudspeakers uptime from the zone history', async () => {
    const res = await test.api('GET', '/api/v1/radio/reports/monthly?month=2026-11');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ month: '2026-11', from, to, total: { items: 7, ms: 2_740_000 + 2 * MIN } });
    const ap1 = res.body.hamlets.find((h: { hamletCode: string }) => h.hamletCode === 'ap-1');
    expect(ap1.total).toEqual({ items: 6, ms: 2_740_000 });
    expect(ap1.bySource).toEqual({
      bulletin: { items: 3, ms: 5 * MIN + 400_000 + 1 * MIN },
      live: { items: 1, ms: 2 * MIN },
      relay: { items: 1, ms: 30 * MIN },
      alert: { items: 1, ms: 1 * MIN },
    });
    expect(ap1.byPriority).toEqual({
      emergency: { items: 1, ms: 1 * MIN },
      priority: { items: 2, ms: 2 * MIN + 400_000 },
      normal: { items: 2, ms: 35 * MIN },
      unknown: { items: 1, ms: 1 * MIN },
    });
    expect(ap1.cells.find((c: { source: string; priority: string }) => c.source === 'relay' && c.priority === 'normal')).toEqual({ source: 'relay', priority: 'normal', items: 1, ms: 30 * MIN });
    // cho: 30 days known, 1 day down; truong: 15 days known, all up
    expect(ap1.uptime).toEqual({ zones: 2, knownMs: 45 * DAY, upMs: 44 * DAY, ratio: 44 / 45 });
    const ap2 = res.body.hamlets.find((h: { hamletCode: string }) => h.hamletCode === 'ap-2');
    expect(ap2.total).toEqual({ items: 1, ms: 2 * MIN });
    expect(ap2.uptime).toEqual({ zones: 0, knownMs: 0, upMs: 0, ratio: null });
    // every hamlet of the commune is listed, in its order, even with nothing on air
    expect(res.body.hamlets.map((h: { hamletCode: string }) => h.hamletCode)).toEqual(['ap-1', 'ap-2', 'ap-2a', 'ap-3', 'ap-3a', 'ap-4', 'ap-5', 'ap-6', 'ap-7']);
    expect(res.body.hamlets[2].total).toEqual({ items: 0, ms: 0 });
  });

  it('exports the report as CSV for Excel, Vietnamese headers, minutes, one row per hamlet', async () => {
    const res = await test.cloud.app.request('/api/v1/radio/reports/monthly.csv?month=2026-11', { headers: { authorization: `Bearer ${test.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('bao-cao-phat-thanh-2026-11.csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs to read UTF-8
    const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Tháng,Ấp,Bản tin (phút),Nói trực tiếp (phút),Tiếp sóng (phút),Cảnh báo khẩn cấp (phút),Khẩn cấp (phút),Ưu tiên (phút),Thông thường (phút),Không rõ mức (phút),Tổng thời lượng (phút),Số lượt phát,Loa hoạt động (%),Loa không hoạt động (phút)',
    );
    expect(lines[1]).toBe('2026-11,Ấp 1,12.67,2,30,1,1,8.67,35,1,45.67,6,97.78,1440');
    expect(lines[2]).toBe('2026-11,Ấp 2,2,0,0,0,0,0,2,0,2,1,,0');
    expect(lines).toHaveLength(10);
  });

  it('draws a printable page for operators, month chosen on the page; refuses a bad month and people who may not read proof of play', async () => {
    await test.api('POST', '/api/v1/users', { username: 'op-1', role: 'operator', password: 'password-of-op-1', mustChangePassword: false });
    await test.api('POST', '/api/v1/users', { username: 'police-1', role: 'police', password: 'password-of-police-1', mustChangePassword: false });
    const operator = await test.login('op-1', 'password-of-op-1');
    const page = await test.cloud.app.request('/radio/report?month=2026-11', { headers: { cookie: `${SESSION_COOKIE}=${operator}` } });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Báo cáo phát thanh tháng 2026-11');
    expect(body).toContain('<input id="report-month" name="month" type="month" required value="2026-11">');
    expect(body).toContain('href="/api/v1/radio/reports/monthly.csv?month=2026-11"');
    expect(body).toContain('radio-report.js');
    const ap1 = body.slice(body.indexOf('data-hamlet="ap-1"'), body.indexOf('data-hamlet="ap-2"'));
    expect(ap1).toContain('46 phút'); // 45.67 minutes on air
    expect(ap1).toMatch(/<span data-uptime>97,8\s?% thời gian \(2 vùng loa; không hoạt động 24 giờ 0 phút\)<\/span>/);
    expect(ap1).toContain('<tr data-source="relay"><th scope="row">Tiếp sóng</th>');
    // the print CSS hides the menu and the form
    const css = await (await test.cloud.app.request('/assets/console/console.css')).text();
    expect(css).toMatch(/@media print[\s\S]*\.no-print/);

    const bad = await test.api('GET', '/api/v1/radio/reports/monthly?month=2026-13');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('month must be YYYY-MM');
    const police = await test.login('police-1', 'password-of-police-1');
    expect((await test.api('GET', '/api/v1/radio/reports/monthly?month=2026-11', undefined, police)).status).toBe(403);
    expect((await test.cloud.app.request('/radio/report', { headers: { cookie: `${SESSION_COOKIE}=${police}` } })).status).toBe(403);
  });

  it("counts this month's uptime from the history a real box's telemetry writes", async () => {
    const claimed = await claimTestEdge(test, 'ap-3', 'Tủ ấp 3');
    const box = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: claimed.edgeId, username: claimed.edgeId, password: claimed.password, reconnectPeriod: 0 });
    try {
      let sent = 0;
      const report = async (state: 'ok' | 'offline') => {
        sent++;
        await box.publishAsync(topics.telemetry(claimed.edgeId), JSON.stringify({ ...testTelemetry(), uptimeS: { host: 100 + sent, daemon: sent }, speakers: [{ zone: 'main', state, reason: null }] }), { qos: 1 });
        await waitFor(async () => (await test.cloud.fleet.edges.get(claimed.edgeId)).telemetry?.uptimeS.daemon === sent, `telemetry ${sent} stored`);
      };
      await report('ok');
      await new Promise((r) => setTimeout(r, 300));
      await report('offline');
      await new Promise((r) => setTimeout(r, 300));
      const now = (await test.api('GET', `/api/v1/radio/reports/monthly?month=${currentMonth()}`)).body;
      const ap3 = now.hamlets.find((h: { hamletCode: string }) => h.hamletCode === 'ap-3');
      expect(ap3.uptime.zones).toBe(1);
      expect(ap3.uptime.ratio).toBeGreaterThan(0.2);
      expect(ap3.uptime.ratio).toBeLessThan(0.9);
      expect(ap3.uptime.knownMs - ap3.uptime.upMs).toBeGreaterThanOrEqual(250);
    } finally {
      await box.endAsync(true);
    }
  });

  it('counts proof of play that came the real way (MQTT event → intake), by the priority and source the box reported', async () => {
    const { edgeId } = await claimTestEdge(test, 'ap-4', 'Tủ ấp 4');
    const at = Date.now() - 3_600_000;
    const items = [
      { occurrenceId: `sch_real:${at}`, scheduleId: 'sch_real', priority: 'emergency', durationMs: 90_000 },
      { occurrenceId: `live:ses_real`, scheduleId: 'live', priority: 'priority', durationMs: 45_000 },
      { occurrenceId: `relay:ses_vov`, scheduleId: 'relay', priority: 'normal', durationMs: 600_000 },
    ];
    await givenInPlan(test.cloud.query, edgeId, items.map((i) => ({ occurrenceId: i.occurrenceId, scheduleId: i.scheduleId, bulletinId: null, startAt: at })));
    for (const [n, i] of items.entries()) {
      const body = { occurrenceId: i.occurrenceId, scheduleId: i.scheduleId, bulletinId: null, state: 'completed', plannedStartAt: at, actualStartAt: at + 5, durationMs: i.durationMs, reason: null, zones: ['main'], priority: i.priority };
      await test.cloud.broker.publish(topics.event(edgeId, 'playback'), JSON.stringify({ eventId: `evt_real_${n}`, ts: Date.now(), body }), { qos: 1, retain: false });
    }
    await waitFor(async () => (await test.api('GET', `/api/v1/playback?edge=${edgeId}`)).body.total === items.length, 'the proof of play stored');
    const month = new Date(at + 7 * 3600_000).toISOString().slice(0, 7);
    const ap4 = (await test.api('GET', `/api/v1/radio/reports/monthly?month=${month}`)).body.hamlets.find((h: { hamletCode: string }) => h.hamletCode === 'ap-4');
    expect(ap4.bySource).toMatchObject({ bulletin: { items: 1, ms: 90_000 }, live: { items: 1, ms: 45_000 }, relay: { items: 1, ms: 600_000 } });
    expect(ap4.byPriority).toMatchObject({ emergency: { items: 1, ms: 90_000 }, priority: { items: 1, ms: 45_000 }, normal: { items: 1, ms: 600_000 }, unknown: { items: 0, ms: 0 } });
  });
});
