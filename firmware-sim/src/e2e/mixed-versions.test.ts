import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMUNE_TIME_ZONE, CONTRACT_VERSION, featuresOf, type ScheduleBody } from '@smart-commune/shared';
import type { EdgeDaemon } from '@smart-commune/edge';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, startTestEdge, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimSpeaker, type SimSpeaker } from '../speakers/index.js';

const localTime = (ms: number) => DateTime.fromMillis(ms, { zone: COMMUNE_TIME_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss");

describe('a plan from a newer cloud, with values this box does not know', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let speaker: SimSpeaker;
  let daemon: EdgeDaemon;

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-2');
    speaker = await startSimSpeaker({});
    daemon = await startTestEdge(edge.dataDir);
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.online, 'edge online');
    const config = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 10,
      radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
    });
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.reported?.version === config.body.version, 'speakers configured');
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await speaker?.close();
    await test?.stop();
  });

  it('plays the items it knows, leaves out a relay item and an unknown priority, and the cloud shows what the box ignored', async () => {
    // the box announced its contract in telemetry: the cloud knows its revision
    const announced = await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body.contract, 'contract announced');
    expect(announced).toMatchObject({ version: CONTRACT_VERSION, features: featuresOf(CONTRACT_VERSION) });

    const bulletin = await test.api('POST', '/api/v1/bulletins', { title: 'Thông báo tiêm phòng', text: 'Sáng mai tiêm phòng cho trẻ em tại trạm y tế xã.', voice: 'vi-vn-x-south' });
    expect(bulletin.status).toBe(201);
    const startAt = Math.ceil((Date.now() + 10_000) / 1000) * 1000;
    const schedule = await test.api('POST', '/api/v1/schedules', {
      title: 'Tiêm phòng',
      source: { kind: 'bulletin', bulletinId: bulletin.body.id },
      startsLocal: localTime(startAt),
      targets: { hamlets: ['ap-2'] },
    });
    expect(schedule.status).toBe(201);
    const compiled = await waitFor(async () => {
      const doc = await test.cloud.fleet.documents.get(edge.edgeId, 'schedule');
      return doc?.body.items.some((i) => i.startAt === startAt) ? doc.body : null;
    }, 'the plan compiled with the bulletin');

    // what a newer cloud would send: a relay item (a source kind added later) and an item of a priority added later
    const known = compiled.items.find((i) => i.startAt === startAt)!;
    const newer = {
      ...compiled,
      items: [
        ...compiled.items,
        { ...known, occurrenceId: 'sch_relay0001:1', scheduleId: 'sch_relay0001', bulletinId: null, title: 'Tiếp sóng VOV1', source: { kind: 'relay', stationId: 'vov1' }, startAt: startAt + 60_000 },
        { ...known, occurrenceId: 'sch_evac00001:1', scheduleId: 'sch_evac00001', title: 'Sơ tán', priority: 'evacuation', startAt: startAt + 120_000 },
      ],
    } as unknown as ScheduleBody;
    const sent = await test.cloud.fleet.documents.set(edge.edgeId, 'schedule', newer);

    const view = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/edges/${edge.edgeId}/compatibility`);
      const doc = (res.body.documents as { doc: string; reported: { version: number } | null }[]).find((d) => d.doc === 'schedule');
      return doc?.reported?.version === sent.version ? doc : null;
    }, 'the box reports the plan');
    const n = newer.items.length;
    expect(view.reported).toMatchObject({
      status: 'applied',
      error: null,
      ignored: [
        { path: `body.items.${n - 2}.source.kind`, value: '"relay"', effect: 'dropped', left: `body.items.${n - 2}`, label: 'sch_relay0001:1 (Tiếp sóng VOV1)' },
        { path: `body.items.${n - 1}.priority`, value: '"evacuation"', effect: 'dropped', left: `body.items.${n - 1}`, label: 'sch_evac00001:1 (Sơ tán)' },
      ],
    });

    // the bulletin of the same plan plays on the loudspeaker and is proven
    const durationMs = bulletin.body.asset.durationMs as number;
    const heard = await waitFor(() => speaker.status().items.find((i) => i.firstSampleAt !== null) ?? null, 'the bulletin on the loudspeaker', 30_000);
    expect(heard.firstSampleAt!).toBeGreaterThan(startAt - 50);
    const rows = await waitFor(async () => {
      const res = await test.api('GET', `/api/v1/playback?edge=${edge.edgeId}`);
      return (res.body.items as { state: string }[]).some((r) => r.state === 'completed') ? res.body.items : null;
    }, 'proof of play', 30_000 + durationMs);
    expect(rows.map((r: { occurrenceId: string }) => r.occurrenceId)).toContain(known.occurrenceId);
    expect(rows.map((r: { occurrenceId: string }) => r.occurrenceId)).not.toContain('sch_relay0001:1');
  }, 120_000);
});
