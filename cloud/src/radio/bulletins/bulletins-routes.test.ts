import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type Reply, type TestCloud } from '../../../../test-support/cloud.js';
import { countRows } from '../../../../test-support/rows.js';

let test: TestCloud;
beforeAll(async () => {
  test = await startTestCloud();
});
afterAll(() => test.stop());

const assetCount = () => countRows(test.cloud.query, 'audio_assets');

describe('bulletins: hearing a text before saving it, and drafts', () => {
  it('reads a text aloud with the chosen voice, as audio described by its headers, storing nothing', async () => {
    const before = await assetCount();
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
    expect(await assetCount()).toBe(before);
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

describe('bulletins: an uploaded sound file', () => {
  const MAX_DURATION_S = 5;
  const MAX_UPLOAD_BYTES = 1024 * 1024;
  let cloud: TestCloud;
  let dir: string;
  beforeAll(async () => {
    // no chime, so the bulletin lasts exactly as long as the upload
    cloud = await startTestCloud({ SC_AUDIO_CHIME: 'none', SC_AUDIO_MAX_DURATION_S: MAX_DURATION_S, SC_MAX_UPLOAD_BYTES: MAX_UPLOAD_BYTES });
    dir = mkdtempSync(join(tmpdir(), 'sc-upload-'));
  }, 60_000);
  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A 440 Hz tone made by ffmpeg, encoded as the file name's extension says. */
  const tone = (name: string, seconds: number, codec: string[] = []) => {
    const file = join(dir, name);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, ...codec, file]);
    return readFileSync(file);
  };
  /** Integrated loudness and true peak of a file as ffmpeg's own EBU R128 meter measures them. */
  const measure = (file: string) => {
    const { stderr } = spawnSync('ffmpeg', ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true', '-f', 'null', '-'], { encoding: 'utf8' });
    const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
    return { lufs: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]), truePeakDbtp: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)?.[1]) };
  };
  const upload = async (fields: { title?: string; file?: { bytes: Uint8Array; name: string; type: string } }): Promise<Reply> => {
    const form = new FormData();
    if (fields.title !== undefined) form.set('title', fields.title);
    if (fields.file) form.set('file', new Blob([fields.file.bytes], { type: fields.file.type }), fields.file.name);
    const res = await fetch(`${cloud.cloud.httpUrl}/api/v1/bulletins`, { method: 'POST', headers: { authorization: `Bearer ${cloud.adminToken}` }, body: form });
    return { status: res.status, body: await res.json() };
  };
  const bulletinCount = () => countRows(cloud.cloud.query, 'bulletins');

  it.each([
    ['an MP3', 'tone.mp3', 'audio/mpeg', ['-c:a', 'libmp3lame', '-b:a', '128k']],
    ['an OGG/Opus', 'tone.ogg', 'audio/ogg', ['-c:a', 'libopus', '-b:a', '64k']],
  ])('takes %s, normalises its loudness to -16 LUFS and serves the result', async (_kind, name, type, codec) => {
    const bytes = tone(name, 3, codec);
    expect(Math.abs(measure(join(dir, name)).lufs + 16)).toBeGreaterThan(3); // the tone is quieter: the pipeline has to lift it
    const res = await upload({ title: 'Lịch tiêm phòng', file: { bytes, name, type } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: 'Lịch tiêm phòng', kind: 'upload', originalName: name, text: null, voice: null, asset: { mime: 'audio/ogg' } });
    expect(Math.abs(res.body.durationMs - 3000)).toBeLessThan(100);
    expect(Math.abs(res.body.integratedLufs + 16)).toBeLessThanOrEqual(0.5);
    expect(res.body.truePeakDbtp).toBeLessThanOrEqual(-2);
    expect((await cloud.request('GET', `/api/v1/bulletins/${res.body.id}`)).body).toMatchObject({ id: res.body.id, kind: 'upload' });

    const audio = await cloud.cloud.app.request(`/api/v1/bulletins/${res.body.id}/audio`, { headers: { authorization: `Bearer ${cloud.adminToken}` } });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/ogg');
    const stored = Buffer.from(await audio.arrayBuffer());
    expect(stored.length).toBe(res.body.asset.bytes);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(res.body.asset.sha256);
    const served = join(dir, `served-${name}.ogg`);
    writeFileSync(served, stored);
    const seconds = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', served], { encoding: 'utf8' }));
    expect(Math.abs(seconds - 3)).toBeLessThan(0.1);
    const loudness = measure(served);
    expect(Math.abs(loudness.lufs + 16)).toBeLessThanOrEqual(1);
    expect(loudness.truePeakDbtp).toBeLessThanOrEqual(-1.5);
  });

  it('refuses a file that is not sound with 415 not_audio, storing nothing', async () => {
    const before = await bulletinCount();
    const junk = await upload({ title: 'Rác', file: { bytes: new TextEncoder().encode('%PDF-1.4 this is not a recording\n'.repeat(100)), name: 'thong-bao.mp3', type: 'audio/mpeg' } });
    expect(junk.status).toBe(415);
    expect(junk.body.error.code).toBe('not_audio');
    expect(junk.body.error.message).toContain('MP3, WAV, OGG/Opus or M4A');
    expect(await bulletinCount()).toBe(before);
  });

  it('refuses an empty file, a form without the file or the title, naming what is missing', async () => {
    const before = await bulletinCount();
    const empty = await upload({ title: 'Trống', file: { bytes: new Uint8Array(0), name: 'trong.mp3', type: 'audio/mpeg' } });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toMatchObject({ code: 'empty', message: expect.stringContaining('0 bytes') });

    const noFile = await upload({ title: 'Không có tệp' });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.details).toEqual([{ path: 'file', message: 'the upload needs an audio file in the "file" field' }]);

    const noTitle = await upload({ title: '   ', file: { bytes: tone('untitled.mp3', 1), name: 'untitled.mp3', type: 'audio/mpeg' } });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.details).toEqual([{ path: 'title', message: 'the upload needs a title' }]);
    expect(await bulletinCount()).toBe(before);
  });

  it('refuses a recording longer than SC_AUDIO_MAX_DURATION_S with 422 too_long', async () => {
    const before = await bulletinCount();
    const long = await upload({ title: 'Quá dài', file: { bytes: tone('long.mp3', MAX_DURATION_S + 2), name: 'long.mp3', type: 'audio/mpeg' } });
    expect(long.status).toBe(422);
    expect(long.body.error.code).toBe('too_long');
    expect(long.body.error.message).toContain(`at most ${MAX_DURATION_S} s`);
    expect(await bulletinCount()).toBe(before);
  });

  it('refuses an upload larger than SC_MAX_UPLOAD_BYTES with 413, storing nothing', async () => {
    const before = await bulletinCount();
    // 4 s of 48 kHz stereo 32-bit float PCM: 1.5 MB, though short enough to be accepted
    const wav = tone('big.wav', 4, ['-ar', '48000', '-ac', '2', '-c:a', 'pcm_f32le']);
    expect(wav.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    const big = await upload({ title: 'Quá lớn', file: { bytes: wav, name: 'big.wav', type: 'audio/wav' } });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', message: 'the upload is larger than 1 MiB' });
    expect(await bulletinCount()).toBe(before);
  });
});
