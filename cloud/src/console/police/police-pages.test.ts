import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { testTelemetry } from '../../../../test-support/telemetry.js';
import { waitFor } from '../../../../test-support/wait.js';
import { SESSION_COOKIE } from '../../auth/session-cookie.js';
import { CLIP, connectIncidentEdge, incidentEvent, SNAPSHOT, type IncidentEdge } from '../../incidents/testing/incident-kit.js';
import { FLOOD, SNAPSHOT_2, twoPeople } from '../../incidents/testing/review-item-kit.js';

describe("police pages: review items, alerts and detections, flood warnings", () => {
  let test: TestCloud;
  let edge: IncidentEdge;
  let police: string;
  let admin: string;
  const alert = twoPeople();
  const detection = incidentEvent({ severity: 'detection', label: 'dog', trackId: 11, ruleId: 'cho-ban-ngay' });
  const continued = twoPeople({ continues: alert.incidentId });

  beforeAll(async () => {
    test = await startTestCloud();
    edge = await connectIncidentEdge(test, 'ap-1');
    for (const [username, role] of [['police-1', 'police'], ['admin-2', 'admin']] as const) {
      expect((await test.request('POST', '/api/v1/users', { username, role, password: `password-${username}`, mustChangePassword: false })).status).toBe(201);
    }
    police = await test.login('police-1', 'password-police-1');
    admin = await test.login('admin-2', 'password-admin-2');
    for (const event of [alert, detection, continued]) await edge.publish(event);
    expect((await edge.upload(alert.incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await edge.upload(alert.incidentId, 'snapshot', SNAPSHOT_2, { ref: { trackId: 4 } })).status).toBe(201);
    expect((await edge.upload(alert.incidentId, 'clip', CLIP, { ref: { part: 0 } })).status).toBe(201);
    // the box reports the camera in a flood warning (the real ingest: its telemetry topic)
    const telemetry = { ...testTelemetry(), cameras: [{ id: 'cong-truong', status: 'streaming' as const, fps: 5, lastFrameAt: Date.now(), itemsLastHour: 75, flood: FLOOD }] };
    await test.cloud.broker.publish(topics.telemetry(edge.edgeId), JSON.stringify(telemetry), { qos: 1, retain: false });
    await waitFor(async () => (await test.cloud.fleet.edges.get(edge.edgeId)).telemetry?.cameras?.[0]?.flood, 'flood telemetry stored');
  });
  afterAll(async () => {
    await edge.close();
    await test.stop();
  });

  const page = async (session: string, path: string) => {
    const res = await test.cloud.app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const rows = (html: string) => [...html.matchAll(/<li class="card queue-item" data-incident="([^"]+)" data-severity="(\w+)"/g)].map((m) => ({ id: m[1], severity: m[2] }));

  it('shows alerts by default, detections on their tab, and both under all', async () => {
    const alerts = rows(await page(police, '/police/incidents'));
    expect(alerts.map((r) => r.id).sort()).toEqual([alert.incidentId, continued.incidentId].sort());
    expect(alerts.every((r) => r.severity === 'alert')).toBe(true);
    expect(rows(await page(police, '/police/incidents?severity=detection')).map((r) => r.id)).toEqual([detection.incidentId]);
    const all = await page(police, '/police/incidents?severity=all');
    expect(rows(all)).toHaveLength(3);
    // one commune (the single-commune install): no commune filter, as before issue 10
    expect(all).not.toContain('id="f-commune"');
    expect(all).toContain('<span class="badge sev-detection">Phát hiện</span>');
    // the severity stays while other filters change, and the tabs keep the other filters
    const filtered = await page(police, '/police/incidents?severity=detection&hamlet=ap-1');
    expect(filtered).toContain('<option value="detection" selected>Phát hiện</option>');
    expect(filtered).toContain('href="/police/incidents?hamlet=ap-1" class="tab"');
    expect(filtered).toMatch(/href="\/police\/incidents\?severity=detection&amp;hamlet=ap-1" class="tab" aria-current="page">Phát hiện</);
  });

  it('gives each row its objects by label, its time span and the item it continues', async () => {
    const html = await page(police, '/police/incidents');
    expect(html).toContain('<strong>2 đối tượng: 1 xe máy, 1 người</strong>');
    expect(html).toContain('<span class="ongoing">đang diễn ra</span>');
    expect(html).toContain(`<a href="/police/incidents/${alert.incidentId}" class="continues">tiếp theo của ${alert.incidentId}</a>`);
    expect(html).toContain(`<img src="/api/v1/incidents/${alert.incidentId}/snapshot.jpg"`);
    // the class filter finds an item by any of its objects, and offers every object's class
    expect(rows(await page(police, '/police/incidents?label=motorcycle')).map((r) => r.id).sort()).toEqual([alert.incidentId, continued.incidentId].sort());
    expect(rows(await page(police, '/police/incidents?label=dog'))).toEqual([]);
    expect(html).toContain('<option value="motorcycle">xe máy</option>');
  });

  it('warns of a camera in flood with the fix, and links a person who can fix it to its rules', async () => {
    const forPolice = await page(police, '/police/incidents');
    expect(forPolice).toContain('Camera báo quá nhiều sự việc');
    expect(forPolice).toContain('cong-truong · Ấp 1');
    expect(forPolice).toContain('75 sự việc trong một giờ qua (giới hạn 60)');
    expect(forPolice).toContain('che vùng không cần theo dõi');
    expect(forPolice).toContain('Che vùng cây lay động ở góc trên bên phải.');
    expect(forPolice).toContain('Hãy báo kỹ thuật viên sửa vùng và quy tắc của camera này.');
    expect(forPolice).not.toContain(`/fleet/boxes/${edge.edgeId}/cameras/cong-truong#rules`);
    const forAdmin = await page(admin, '/police/incidents?lang=en');
    expect(forAdmin).toContain(`<a href="/fleet/boxes/${edge.edgeId}/cameras/cong-truong#rules">Fix the zones and rules of camera cong-truong</a>`);
    expect(forAdmin).toContain('Suggested fix (mask the area, rule dem-nguoi, class person)');
  });

  it('shows the item: every object, the timeline that seeks the clip, the parts, the link to the next item', async () => {
    const html = await page(police, `/police/incidents/${alert.incidentId}`);
    expect(html).toContain(`<img src="/api/v1/incidents/${alert.incidentId}/objects/3/snapshot.jpg" alt="Ảnh rõ nhất của người số 3"`);
    expect(html).toContain(`<img src="/api/v1/incidents/${alert.incidentId}/objects/4/snapshot.jpg" alt="Ảnh rõ nhất của xe máy số 4"`);
    expect(html).toContain('<dt>Vùng</dt><dd>san</dd>');
    expect(html).toContain('<dt>Vùng</dt><dd>cả khung hình</dd>');
    expect(html).toContain('<dt>Quy tắc</dt><dd>xe-dem</dd>');
    const seeks = [...html.matchAll(/<button type="button" class="seek" data-at="(\d+)">([^<]+)<\/button>/g)];
    expect(seeks.map((m) => Number(m[1]))).toEqual(alert.timeline!.map((e) => e.at));
    expect(seeks[0]![2]).toContain('người số 3 đi vào · vùng san');
    expect(seeks[2]![2]).toContain('xe máy số 4 rời đi');
    expect(html).toContain(`<video id="clip" controls preload="metadata" playsinline src="/api/v1/incidents/${alert.incidentId}/parts/0/clip.mp4" data-part="0"`);
    expect(html).toMatch(/<button type="button" class="play-part" data-part="0">Phần 1\/1 · từ [^<]+ · 20 giây<\/button>/);
    expect(html).toContain(`<a rel="next" id="next-item" href="/police/incidents/${continued.incidentId}">`);
    expect(html).toContain('đang diễn ra');
    // the review controls are still there
    for (const control of ['id="legal-hold"', 'id="assignee-form"', 'id="note-form"', `href="/api/v1/incidents/${alert.incidentId}/export.zip"`]) expect(html).toContain(control);

    const next = await page(police, `/police/incidents/${continued.incidentId}`);
    expect(next).toContain(`<a rel="prev" id="previous-item" href="/police/incidents/${alert.incidentId}">`);
    // its part has not arrived: said, and no player source
    expect(next).toContain('Phần 1/1 chưa được gửi lên hoặc chưa xác minh.');
    expect(next).toContain('<video id="clip" controls preload="metadata" playsinline hidden></video>');
  });

  it('shows an item from an older box (one object, one clip) as an item with one object', async () => {
    const html = await page(police, `/police/incidents/${detection.incidentId}`);
    expect(html).toContain('<strong>chó số 11</strong>');
    expect([...html.matchAll(/<li class="object">/g)]).toHaveLength(1);
    expect(html).toContain('<span class="badge sev-detection">Phát hiện</span>');
  });
});
