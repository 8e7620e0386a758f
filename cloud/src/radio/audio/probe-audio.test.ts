import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../tts/run-process.js';
import { AudioRejected } from './audio-rejected.js';
import { probeAudio } from './probe-audio.js';

const MEDIA = '/work/shared/media';

/** Bytes that look random but are the same on every run. */
const noiseBytes = (length: number) => {
  const chunks: Buffer[] = [];
  for (let block = createHash('sha256').update('seed').digest(); chunks.length * 32 < length; block = createHash('sha256').update(block).digest()) chunks.push(block);
  return Buffer.concat(chunks).subarray(0, length);
};

describe('probeAudio', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const lavfi = (source: string, name: string, ...args: string[]) => runProcess('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...args, file(name)]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-probe-'));
    const tone = 'sine=f=440:d=3';
    await Promise.all([
      lavfi(tone, 'tone.mp3', '-c:a', 'libmp3lame'),
      lavfi(tone, 'tone.wav'),
      lavfi(tone, 'tone.ogg', '-c:a', 'libopus'),
      lavfi(tone, 'tone.m4a', '-c:a', 'aac'),
      lavfi('sine=f=440:d=6', 'six-seconds.wav'),
      lavfi('sine=f=440:d=0.05', 'blip.wav'),
      lavfi('sine=f=440:d=10', 'long.mp3', '-c:a', 'libmp3lame'),
      lavfi('testsrc=d=1:s=64x48', 'picture.png', '-frames:v', '1'),
    ]);
    await runProcess('espeak-ng', ['-v', 'vi', '-w', file('speech.wav'), 'Ủy ban nhân dân xã Vị Tân thông báo lịch họp dân tại nhà văn hoá ấp hai A. Đề nghị bà con đến đúng giờ.']);
    await runProcess('ffmpeg', ['-v', 'error', '-i', file('speech.wav'), '-c:a', 'libmp3lame', '-b:a', '64k', file('speech.mp3')]);
    const [toneMp3, speech] = [readFileSync(file('long.mp3')), readFileSync(file('speech.mp3'))];
    writeFileSync(file('truncated.mp3'), toneMp3.subarray(0, toneMp3.length / 2));
    writeFileSync(file('truncated-speech.mp3'), speech.subarray(0, speech.length / 2));
    writeFileSync(file('damaged-speech.mp3'), Buffer.concat([speech.subarray(0, speech.length / 2), noiseBytes(2048), speech.subarray(speech.length / 2 + 2048)]));
    writeFileSync(file('random.mp3'), noiseBytes(20_000));
    writeFileSync(file('notes.mp3'), 'Họp dân lúc 17 giờ tại nhà văn hoá ấp 2A.\n'.repeat(20));
    writeFileSync(file('empty.mp3'), '');
    copyFileSync(join(MEDIA, 'vtest-frame-10s.jpg'), file('photo.mp3'));
    // without the demuxer whitelist, ffmpeg would follow these to a real sound file
    writeFileSync(file('playlist.ffconcat'), `ffconcat version 1.0\nfile '${file('tone.wav')}'\n`);
    writeFileSync(file('playlist.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\n${file('tone.wav')}\n#EXT-X-ENDLIST\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['tone.mp3', 'mp3', 'mp3'],
    ['tone.wav', 'wav', 'pcm_s16le'],
    ['tone.ogg', 'ogg', 'opus'],
    ['tone.m4a', 'mov,mp4,m4a,3gp,3g2,mj2', 'aac'],
  ])('accepts %s and measures it by decoding', async (name, formatName, codec) => {
    const probe = await probeAudio(file(name));
    expect(probe).toMatchObject({ formatName, codec, channels: 1 });
    expect(probe.sampleRate).toBeGreaterThanOrEqual(44_100);
    expect(probe.durationMs).toBeGreaterThan(2900);
    expect(probe.durationMs).toBeLessThan(3100);
  });

  const refusal = async (path: string, options = {}) => {
    const error = await probeAudio(path, options).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AudioRejected);
    return error as AudioRejected;
  };

  it.each(['random.mp3', 'notes.mp3', 'photo.mp3', 'picture.png', 'playlist.ffconcat', 'playlist.m3u8'])('refuses %s as not audio (415)', async (name) => {
    const error = await refusal(file(name));
    expect(error).toMatchObject({ code: 'not_audio', status: 415 });
    expect(error.message).toMatch(/not a sound recording.*Upload an MP3, WAV, OGG\/Opus or M4A/);
  });

  it('refuses a picture under its own name as not audio', async () => {
    expect(await refusal(join(MEDIA, 'vtest-frame-10s.jpg'))).toMatchObject({ code: 'not_audio' });
  });

  it('refuses a video without sound and an empty file as empty (422)', async () => {
    const video = await refusal(join(MEDIA, 'vtest-20s.mp4'));
    expect(video).toMatchObject({ code: 'empty', status: 422 });
    expect(video.message).toMatch(/no sound track/);
    expect(await refusal(file('empty.mp3'))).toMatchObject({ code: 'empty', message: expect.stringMatching(/0 bytes/) });
  });

  it('refuses a sound too short to be a bulletin as empty', async () => {
    expect(await refusal(file('blip.wav'))).toMatchObject({ code: 'empty', message: 'This sound file holds no sound (it lasts 0.1 s).' });
  });

  it('refuses an mp3 whose header is fine but whose data is damaged, because decoding reports errors', async () => {
    const error = await refusal(file('damaged-speech.mp3'));
    expect(error).toMatchObject({ code: 'corrupt', status: 422 });
    expect(error.message).toMatch(/damaged and cannot be played to the end \(.*Invalid data found/);
  });

  it('refuses mp3 files cut in half: decoding reports damage, or the header announces more than there is', async () => {
    expect(await refusal(file('truncated-speech.mp3'))).toMatchObject({ code: 'corrupt', status: 422 });
    const clean = await refusal(file('truncated.mp3'));
    expect(clean).toMatchObject({ code: 'corrupt', status: 422 });
    expect(clean.message).toMatch(/incomplete: it should last 10 s but only 5 s of it is there/);
  });

  it('refuses a file longer than the limit, saying how long it is and what is allowed', async () => {
    const error = await refusal(file('six-seconds.wav'), { maxDurationMs: 5000 });
    expect(error).toMatchObject({ code: 'too_long', status: 422 });
    expect(error.message).toBe('The bulletin lasts 6 s; at most 5 s is allowed. Shorten it or split it into several bulletins.');
    expect((await probeAudio(file('six-seconds.wav'), { maxDurationMs: 6500 })).durationMs).toBe(6000);
  });
});
