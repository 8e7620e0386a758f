import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { userWithRole } from '../incidents/testing/incident-kit.js';
import { MAX_REPORT_PHOTO_BYTES } from './reports.js';
import { countRows } from '../../../test-support/rows.js';

const FRAME = readFileSync('/work/shared/media/vtest-frame-10s.jpg');

function form(fields: Record<string, string>, photo?: { bytes: Uint8Array; name: string; type: string }): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  if (photo) data.set('photo', new Blob([photo.bytes], { type: photo.type }), photo.name);
  return data;
}

const fields = { category: 'trom-cap', description: 'Mất xe máy trước cổng chợ lúc 7 giờ sáng', hamlet: 'ap-1' };

describe("citizens' reports API", () => {
  let test: TestCloud;
  let police: string;
  let operator: string;
  const post = async (body: FormData) => {
    const res = await test.cloud.app.request('/api/v1/reports', { method: 'POST', body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    test = await startTestCloud();
    police = (await userWithRole(test, 'police')).token;
    operator = (await userWithRole(test, 'operator')).token;
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  it('stores a photo re-encoded as JPEG without its EXIF, GPS or ICC metadata, and gives a tracking code', async () => {
    const withExif = await sharp(FRAME)
      .withMetadata({ exif: { IFD0: { Make: 'PhoneMaker', Model: 'Secret Phone', Copyright: 'Nguyen Van A' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '10/1 30/1 0/1' } } })
      .jpeg()
      .toBuffer();
    expect((await sharp(withExif).metadata()).exif).toBeDefined();

    const created = await post(form({ ...fields, phone: '0912 345 678', lat: '10.25', lon: '105.97' }, { bytes: withExif, name: 'IMG_0001.jpg', type: 'image/jpeg' }));
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(created.body).not.toHaveProperty('phone');

    const details = await test.request('GET', `/api/v1/reports/${created.body.code}/details`, undefined, police);
    expect(details.status).toBe(200);
    expect(details.body.phone).toBe('0912345678');
    const photo = await test.cloud.app.request(details.body.photo.url, { headers: { authorization: `Bearer ${police}` } });
    expect(photo.status).toBe(200);
    const stored = Buffer.from(await photo.arrayBuffer());
    const meta = await sharp(stored).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(stored.includes(Buffer.from('Secret Phone'))).toBe(false);
    expect(meta.width).toBe((await sharp(FRAME).metadata()).width);

    const actions = (await test.cloud.audit.trail(`report:${created.body.code}`)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['report.create', 'report.view', 'report.photo_view']));
  });

  it('refuses a file that is not an image, and bad fields, naming what is wrong', async () => {
    const notImage = await post(form(fields, { bytes: new TextEncoder().encode('<?php echo 1; ?>'), name: 'photo.jpg', type: 'image/jpeg' }));
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.code).toBe('invalid_image');
    const truncated = await post(form(fields, { bytes: FRAME.subarray(0, 2000), name: 'cut.jpg', type: 'image/jpeg' }));
    expect(truncated.status).toBe(400);
    const badPhone = await post(form({ ...fields, phone: '12345' }));
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.details[0].path).toBe('phone');
    expect(await countRows(test.cloud.query, 'reports')).toBe(1);
  });

  it('shows the public status by code without personal data, and the police reply once given', async () => {
    const created = await post(form({ ...fields, phone: '+84 987 654 321' }));
    const code = created.body.code as string;
    const before = await test.request('GET', `/api/v1/reports/${code.toLowerCase()}`, undefined, null);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ code, status: 'new', statusLabel: 'Đã tiếp nhận', categoryLabel: 'Trộm cắp tài sản', hamletCode: 'ap-1', publicReply: null });
    expect(JSON.stringify(before.body)).not.toMatch(/987|Mất xe máy/);

    expect((await test.request('PATCH', `/api/v1/reports/${code}`, { status: 'in_progress' }, operator)).status).toBe(403);
    const patched = await test.request('PATCH', `/api/v1/reports/${code}`, { status: 'resolved', publicReply: 'Công an xã đã xác minh và trả lại xe.' }, police);
    expect(patched.status).toBe(200);
    const after = await test.request('GET', `/api/v1/reports/${code}`, undefined, null);
    expect(after.body).toMatchObject({ status: 'resolved', publicReply: 'Công an xã đã xác minh và trả lại xe.' });

    const queue = await test.request('GET', '/api/v1/reports?status=resolved', undefined, police);
    expect(queue.body.items.map((r: { code: string }) => r.code)).toEqual([code]);
    expect(queue.body.items[0]).not.toHaveProperty('phone');
    expect((await test.request('GET', '/api/v1/reports', undefined, operator)).status).toBe(403);
    expect((await test.request('GET', '/api/v1/reports/ZZZZZZZZ', undefined, null)).status).toBe(404);
  });

  it('counts only accepted reports per address: six malformed posts do not block a real one, twenty pass, the next waits (429, Retry-After)', async () => {
    // over TCP, so the limit sees the address 127.0.0.1 (the other tests' app.request() has none)
    const postOverTcp = async (body: FormData) => {
      const res = await fetch(`${test.cloud.httpUrl}/api/v1/reports`, { method: 'POST', body });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, any> };
    };
    const malformed = [
      form({ ...fields, description: 'ngắn' }),
      form({ ...fields, hamlet: 'ap-99' }),
      form({ ...fields, phone: '12345' }),
      form({ ...fields, lat: '10.2' }),
      form(fields, { bytes: new TextEncoder().encode('not a picture'), name: 'a.jpg', type: 'image/jpeg' }),
      form({ category: 'khong-co' }),
    ];
    for (const body of malformed) expect((await postOverTcp(body)).status).toBe(400);
    const accepted: number[] = [];
    for (let i = 0; i < 20; i++) accepted.push((await postOverTcp(form(fields))).status);
    expect(accepted).toEqual(Array(20).fill(201));

    const refused = await postOverTcp(form(fields));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_reports');
    expect(refused.body.error.message).toMatch(/quá nhiều phản ánh.*thử lại sau khoảng 10 phút/);
    expect(Number(refused.retryAfter)).toBeGreaterThan(590);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(600);
    expect(refused.body.error.details.retryAfterS).toBe(Number(refused.retryAfter));
  });
});

describe("the size limit of a report's photo", () => {
  let test: TestCloud;
  /** A real JPEG of random noise (which barely compresses) a little under the limit. */
  let noise: Buffer;
  /** The noise JPEG with bytes after its end marker (decoders stop there) to reach exactly `bytes`. */
  const jpegOf = (bytes: number) => Buffer.concat([noise, Buffer.alloc(bytes - noise.length)]);

  beforeAll(async () => {
    test = await startTestCloud();
    const [width, height] = [2000, 1700];
    noise = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
  });

  const post = async (path: string, photo: Buffer) => test.cloud.app.request(path, { method: 'POST', body: form(fields, { bytes: photo, name: 'IMG_0002.jpg', type: 'image/jpeg' }) });
  // the photos in the cloud's media store (its temporary files are not objects)
  const photoFiles = async () => {
    let n = 0;
    for await (const _ of test.cloud.media.list('report')) n++;
    return n;
  };
  const stored = async () => ({
    reports: await countRows(test.cloud.query, 'reports'),
    photos: await photoFiles(),
    created: (await test.cloud.query.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'report.create').executeTakeFirstOrThrow()).n,
  });

  it('takes a photo of exactly the limit and refuses one byte more with 413, storing nothing', async () => {
    expect(noise.length).toBeLessThan(MAX_REPORT_PHOTO_BYTES);
    expect(noise.length).toBeGreaterThan(MAX_REPORT_PHOTO_BYTES - 2 * 1024 * 1024);

    const atLimit = await post('/api/v1/reports', jpegOf(MAX_REPORT_PHOTO_BYTES));
    expect(atLimit.status).toBe(201);
    const before = await stored();
    expect(before).toEqual({ reports: 1, photos: 1, created: 1 });

    const over = await post('/api/v1/reports', jpegOf(MAX_REPORT_PHOTO_BYTES + 1));
    expect(over.status).toBe(413);
    const body = (await over.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('photo_too_large');
    expect(body.error.message).toBe('ảnh quá lớn (10.5 MB); tối đa 10 MB');
    expect(await stored()).toEqual(before);
  });

  it('refuses a body far over the limit before reading it, from the API and from the public form', async () => {
    const before = await stored();
    const huge = jpegOf(MAX_REPORT_PHOTO_BYTES + 200 * 1024);

    const api = await post('/api/v1/reports', huge);
    expect(api.status).toBe(413);
    const body = (await api.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'photo_too_large', message: 'phản ánh quá lớn; ảnh tối đa 10 MB' });

    const page = await post('/phan-anh', huge);
    expect(page.status).toBe(413);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Ảnh quá lớn; tối đa 10 MB.');

    const justOver = await post('/phan-anh', jpegOf(MAX_REPORT_PHOTO_BYTES + 1));
    expect(justOver.status).toBe(413);
    expect(await justOver.text()).toContain('Ảnh quá lớn (10.5 MB); tối đa 10 MB');
    expect(await stored()).toEqual(before);
  });
});
