import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announce, CLIP, connectIncidentEdge, incidentEvent, sha256, SNAPSHOT, type IncidentEdge } from '../../incidents/testing/incident-kit.js';
import { verifyExport as verifySigned } from '../../evidence/verify-export.js';
import { useConsoleE2E, waitForExpression, waitForText } from './harness.js';

/** Reads the export with Python's zipfile and checks every file against manifest.json and SHA256SUMS. */
function verifyExport(zipPath: string): { files: string[]; mismatches: string[]; clipSha: string | null } {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
manifest = json.loads(z.read('manifest.json'))
bad = [f['name'] for f in manifest['files'] if hashlib.sha256(z.read(f['name'])).hexdigest() != f['sha256'] or len(z.read(f['name'])) != f['bytes']]
for line in z.read('SHA256SUMS').decode().splitlines():
    digest, name = line.split('  ', 1)
    if hashlib.sha256(z.read(name)).hexdigest() != digest: bad.append('SHA256SUMS:' + name)
clip = next((f['sha256'] for f in manifest['files'] if f['name'] == 'clip.mp4'), None)
print(json.dumps({'files': sorted(z.namelist()), 'mismatches': bad, 'clipSha': clip}))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, zipPath]).toString());
}

describe('police officer in Chromium', () => {
  const e2e = useConsoleE2E();
  let edge: IncidentEdge;
  let incidentId: string;

  beforeAll(async () => {
    edge = await connectIncidentEdge(e2e.test, 'ap-1');
    const event = incidentEvent({ clip: { ...announce(CLIP), durationMs: 20_000 } });
    incidentId = event.incidentId;
    await edge.publish(event);
    expect((await edge.upload(incidentId, 'snapshot', SNAPSHOT)).status).toBe(201);
    expect((await edge.upload(incidentId, 'clip', CLIP)).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
  });

  it('opens an incident from the queue, watches the clip, confirms it and downloads an export whose hashes match', async () => {
    const page = await e2e.loginAs('police');
    await page.getByRole('navigation', { name: 'Trình đơn' }).getByRole('link', { name: 'Hàng chờ an ninh' }).click();
    await page.waitForURL('**/police/incidents');
    const thumbnail = page.getByRole('img', { name: `Ảnh chụp sự việc ${incidentId}` });
    await thumbnail.waitFor();
    await waitForExpression(page, `document.querySelector('.thumb img').naturalWidth > 0`);
    await page.getByLabel('Thôn').selectOption('ap-1');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    await page.waitForURL('**/police/incidents?hamlet=ap-1**');
    await e2e.screenshot(page, 'police-queue');

    await page.locator(`a[href="/police/incidents/${incidentId}"]`).first().click();
    await page.waitForURL(`**/police/incidents/${incidentId}`);
    await waitForExpression(page, `(() => { const v = document.getElementById('clip'); return v && (v.readyState >= 2 || v.duration > 0); })()`, 20_000);
    const duration = (await page.evaluate(`document.getElementById('clip').duration`)) as number;
    expect(duration).toBeGreaterThan(15);
    expect(await page.locator('.evidence').first().textContent()).toContain(sha256(CLIP));
    await waitForText(page.locator('.evidence .success').first(), 'Đã xác minh');

    await page.getByRole('button', { name: 'Kiểm tra lại mã băm trong trình duyệt' }).first().click();
    await waitForText(page.locator('#verify-clip'), 'Khớp');

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Bắt đầu xem xét' }).click()]);
    await waitForText(page.locator('#incident-status'), 'Đang xem xét');
    await page.getByLabel('Thêm ghi chú').fill('Đối chiếu với camera cổng trường: đúng người lạ.');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Thêm ghi chú' }).click()]);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Xác nhận vi phạm' }).click()]);
    await waitForText(page.locator('#incident-status'), 'Đã xác nhận');
    await Promise.all([page.waitForEvent('load'), page.getByLabel('Giữ làm chứng cứ (không tự động xoá)').check()]);
    expect(await page.getByLabel('Giữ làm chứng cứ (không tự động xoá)').isChecked()).toBe(true);
    await e2e.screenshot(page, 'police-incident');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải gói chứng cứ (.zip)' }).click()]);
    const zipPath = join(mkdtempSync(join(tmpdir(), 'sc-export-')), 'export.zip');
    await download.saveAs(zipPath);
    const checked = verifyExport(zipPath);
    expect(checked.mismatches).toEqual([]);
    expect(checked.files).toEqual(expect.arrayContaining(['clip.mp4', 'snapshot.jpg', 'incident.json', 'audit.json', 'manifest.json', 'SHA256SUMS']));
    expect(checked.clipSha).toBe(sha256(CLIP));
    // signed by the cloud: the page names the key, and the offline check accepts the bundle with it
    const fingerprint = e2e.test.cloud.incidents.exportKey.fingerprint;
    expect(await page.locator('#export-fingerprint').textContent()).toBe(fingerprint);
    expect(await verifySigned(zipPath, { fingerprint })).toMatchObject({ ok: true, problems: [] });

    const stored = (await e2e.test.cloud.incidents.store.get(incidentId))!;
    expect(stored.status).toBe('confirmed');
    expect(stored.legalHold).toBe(true);
    const actions = (await e2e.test.cloud.audit.trail(`incident:${incidentId}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['incident.clip_view', 'incident.export']));
  });

  it('is refused to an operator, page and clip both, and the clip refusal is audited', async () => {
    const page = await e2e.loginAs('operator');
    const response = await page.goto(`/police/incidents/${incidentId}`);
    expect(response?.status()).toBe(403);
    const clip = await page.evaluate(`fetch('/api/v1/incidents/${incidentId}/clip.mp4').then((r) => r.status)`);
    expect(clip).toBe(403);
    const refused = (await e2e.test.cloud.audit.trail(`incident:${incidentId}`)).filter((e) => e.action === 'incident.media_refused');
    expect(refused.map((e) => e.actor)).toContain('operator-e2e');
  });
});
