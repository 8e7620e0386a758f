import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeDaemon } from '@smart-commune/edge';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { UserStore } from '../../../cloud/src/users/user-store.js';
import { startSimSpeaker, type SimSpeaker } from '../speakers/index.js';

/**
 * Issue 10, end to end over real MQTT: a province alert cuts into the commune's own alert on the
 * hamlet's loudspeaker (which then resumes), and a commune alert waits for the province's.
 */
describe('a province alert and a commune alert on one hamlet loudspeaker', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let speaker: SimSpeaker;
  let daemon: EdgeDaemon;
  let province = '';
  let commune = '';

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-2');
    speaker = await startSimSpeaker({});
    daemon = await startTestEdge(edge.dataDir);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online');
    const config = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 10,
      radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }], interruptedPolicy: 'resume' },
    });
    expect(config.status).toBe(200);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.reported?.version === config.body.version, 'speakers configured');
    const users = new UserStore(test.cloud.query);
    await users.create({ username: 'tinh-canh-bao', password: 'tinh-canh-bao-mat-khau', role: 'operator', communeCode: null, mustChangePassword: false });
    await users.create({ username: 'xa-canh-bao', password: 'xa-canh-bao-mat-khau', role: 'operator', communeCode: 'vi-tan', mustChangePassword: false });
    province = await test.login('tinh-canh-bao', 'tinh-canh-bao-mat-khau');
    commune = await test.login('xa-canh-bao', 'xa-canh-bao-mat-khau');
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await speaker?.close();
    await test?.stop();
  });

  const LONG = 'Ủy ban nhân dân xã Vị Tân thông báo khẩn: triều cường dâng cao kết hợp mưa lớn kéo dài. Bà con ấp hai khẩn trương gia cố bờ bao, kê cao tài sản, không cho trẻ em ra sông, kênh rạch. Lực lượng dân quân trực tại nhà văn hóa ấp để hỗ trợ bà con di dời khi cần thiết.';
  const SHORT = 'Tỉnh Hậu Giang cảnh báo: lốc xoáy sắp đổ bộ. Bà con vào nhà ngay.';
  const send = (token: string, text: string) =>
    test.api('POST', '/api/v1/alerts', { text, severity: 'extreme', kind: 'other', targets: { all: true }, repeatEveryMinutes: null, expiresAt: Date.now() + 3_600_000 }, token);
  /** The box's proof of play for an alert, oldest first (the API lists the newest first). */
  const states = async (alertId: string): Promise<string[]> => {
    const res = await test.api('GET', `/api/v1/playback?edge=${edge.edgeId}`);
    return (res.body.items as { scheduleId: string; state: string }[]).filter((r) => r.scheduleId === alertId).map((r) => r.state).reverse();
  };
  const has = (list: string[], ...wanted: string[]) => wanted.every((w) => list.includes(w));

  it("the province's alert cuts into the commune's, which resumes after it", async () => {
    const communeAlert = await send(commune, LONG);
    expect(communeAlert.status, JSON.stringify(communeAlert.body)).toBe(201);
    expect(communeAlert.body).toMatchObject({ issuer: 'commune', communeCode: 'vi-tan' });
    await waitFor(() => daemon.radio.player.status().playing?.occurrenceId.startsWith(`alert:${communeAlert.body.id}:`), "the commune's alert playing", 30_000, 50);

    const provinceAlert = await send(province, SHORT);
    expect(provinceAlert.status, JSON.stringify(provinceAlert.body)).toBe(201);
    expect(provinceAlert.body).toMatchObject({ issuer: 'province', communeCode: null });

    const communeStates = await waitFor(async () => {
      const s = await states(communeAlert.body.id);
      return has(s, 'completed') ? s : null;
    }, "the commune's alert resumed and completed", 90_000, 500);
    const provinceStates = await states(provinceAlert.body.id);
    expect(provinceStates).toEqual(['started', 'completed']);
    expect(communeStates).toEqual(['started', 'interrupted', 'resumed', 'completed']);
    const rows = (await test.api('GET', `/api/v1/playback?edge=${edge.edgeId}`)).body.items as { scheduleId: string; state: string; reason: string | null }[];
    expect(rows.find((r) => r.scheduleId === communeAlert.body.id && r.state === 'interrupted')!.reason).toMatch(/interrupted by province emergency/);
    expect(speaker.status().overlaps).toBe(0);
  }, 150_000);

  it("a commune alert waits for the province's playing alert", async () => {
    const provinceAlert = await send(province, LONG);
    expect(provinceAlert.status).toBe(201);
    await waitFor(() => daemon.radio.player.status().playing?.occurrenceId.startsWith(`alert:${provinceAlert.body.id}:`), "the province's alert playing", 30_000, 50);
    const communeAlert = await send(commune, SHORT);
    expect(communeAlert.status).toBe(201);
    await waitFor(async () => has(await states(communeAlert.body.id), 'completed'), "the commune's alert after the province's", 90_000, 500);
    expect(await states(provinceAlert.body.id)).toEqual(['started', 'completed']);
    expect(await states(communeAlert.body.id)).toEqual(['started', 'completed']);
    const rows = (await test.api('GET', `/api/v1/playback?edge=${edge.edgeId}`)).body.items as { scheduleId: string; state: string; actualStartAt: number | null; plannedStartAt: number }[];
    const provinceDone = rows.find((r) => r.scheduleId === provinceAlert.body.id && r.state === 'completed')!;
    const communeStart = rows.find((r) => r.scheduleId === communeAlert.body.id && r.state === 'started')!;
    // it waited: it started after the province's ended, later than planned
    expect(communeStart.actualStartAt!).toBeGreaterThan(communeStart.plannedStartAt + 1000);
    expect(provinceDone).toBeDefined();
    expect(speaker.status().overlaps).toBe(0);
  }, 150_000);
});
