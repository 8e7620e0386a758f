import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.stop());

const assetCount = () => test.cloud.db.prepare('SELECT COUNT(*) FROM audio_assets').pluck().get() as number;

describe('bulletins: hearing a text before saving it, and drafts', () => {
  it('reads a text aloud with the chosen voice, as audio described by its headers, storing nothing', async () => {
    const before = assetCount();
    const res = await test.cloud.app.request('/api/v1/bulletins/preview', {
      method: 'POST',
      headers: { authorization: `Bearer ${test.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'UBND xã Vị Tân thông báo lịch tiêm phòng cho gia súc.', voice: 'vi-vn-x-south' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/ogg');
    const file = join(mkdtempSync(join(tmpdir(), 'sc-preview-')), 'preview.ogg');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const seconds = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }));
    expect(Math.abs(seconds * 1000 - Number(res.headers.get('x-duration-ms')))).toBeLessThan(100);
    expect(Math.abs(Number(res.headers.get('x-integrated-lufs')) + 16)).toBeLessThanOrEqual(1);
    expect(assetCount()).toBe(before);
  });

  it('refuses a text with nothing to read', async () => {
    const res = await test.request('POST', '/api/v1/bulletins/preview', { text: '... !!! ...' });
    expect(res.status).toBe(422);
  });

  it('deletes a draft, keeps a scheduled bulletin and names the schedule that uses it', async () => {
    const draft = await test.request('POST', '/api/v1/bulletins', { title: 'Bản nháp', text: 'Thử loa.' });
    expect(draft.status).toBe(201);
    expect((await test.request('DELETE', `/api/v1/bulletins/${draft.body.id}`)).status).toBe(204);
    expect((await test.request('GET', `/api/v1/bulletins/${draft.body.id}`)).status).toBe(404);

    const used = await test.request('POST', '/api/v1/bulletins', { title: 'Họp dân', text: 'Tối nay họp dân.' });
    const schedule = await test.request('POST', '/api/v1/schedules', {
      title: 'Họp dân ấp 1',
      source: { kind: 'bulletin', bulletinId: used.body.id },
      startsLocal: '2030-01-01T19:00:00',
      targets: { hamlets: ['ap-1'] },
    });
    expect(schedule.status).toBe(201);
    const refused = await test.request('DELETE', `/api/v1/bulletins/${used.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('Họp dân ấp 1');
  });
});
