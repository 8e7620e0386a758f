import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCloudDatabase, type Db } from '../../db/database.js';
import { AssetStore } from '../audio/asset-store.js';
import { LocalMediaStore } from '../../storage/local-media-store.js';
import { sqliteQueryDatabase } from '../../db/query/index.js';
import { AudioPipeline } from '../audio/pipeline.js';
import { EspeakEngine } from '../tts/espeak-engine.js';
import { PronunciationDictionary } from '../tts/pronunciation-dictionary.js';
import type { JobPriority } from '../../jobs/job-queue.js';
import { mediaJobs, runMediaProcess, urgently } from './media-jobs.js';
import { watchMediaJobs } from './media-jobs-metrics.js';

const TEXT = 'UBND xã Vị Tân thông báo: ngày 28/11/2026 lúc 17:00 tổ chức họp dân tại nhà văn hoá ấp 2A. Đề nghị bà con các hộ đến đúng giờ.';
const VOICE = { voice: 'vi-vn-x-south', speed: 160 };

describe('the media processes of previews, bulletins and alerts', () => {
  let dir: string;
  let db: Db;
  let pipeline: AudioPipeline;
  const cap = availableParallelism();
  /** Each process as it starts: its priority and how many normal ones were still waiting. */
  const starts: { priority: JobPriority; queued: number }[] = [];
  let stopListening: () => void;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-media-jobs-'));
    db = openCloudDatabase(':memory:');
    const dictionary = PronunciationDictionary.load(join(dir, 'pronunciation.json'));
    pipeline = new AudioPipeline({ store: new AssetStore(sqliteQueryDatabase(db), new LocalMediaStore(dir)), workDir: join(dir, 'work'), format: 'opus', chime: 'none', maxDurationS: 600, tts: new EspeakEngine(), dictionary });
    stopListening = mediaJobs.onStart((priority) => starts.push({ priority, queued: mediaJobs.stats.queued }));
  });
  afterAll(() => {
    stopListening();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never runs more espeak-ng and ffmpeg processes than there are cores, however many previews are asked at once', async () => {
    const previews = await Promise.all(Array.from({ length: 4 * cap }, (_, i) => pipeline.previewSpeech(`${TEXT} Số ${i + 1}.`, VOICE)));
    expect(previews.every((p) => p.audio.length > 1000)).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(8 * cap); // a speech engine and an ffmpeg run each
    expect(starts.some((s) => s.queued > 0)).toBe(true);
    expect(mediaJobs.stats.peakRunning).toBe(cap);
    expect(mediaJobs.stats).toMatchObject({ running: 0, queued: 0 });
  }, 120_000);

  it("starts an alert's processes ahead of the previews already waiting", async () => {
    starts.length = 0;
    const previews = Promise.all(Array.from({ length: 4 * cap }, (_, i) => pipeline.previewSpeech(`${TEXT} Lần ${i + 1}.`, VOICE)));
    while (mediaJobs.stats.queued < 2 * cap) await sleep(5);
    const alert = await pipeline.prepareAlertSpeech('Cảnh báo khẩn: nước sông Cái Lớn dâng cao, bà con di dời ngay.', VOICE);
    const stillWaiting = mediaJobs.stats.queued;
    await previews;

    expect(alert.asset.bytes).toBeGreaterThan(1000);
    const alertStarts = starts.filter((s) => s.priority === 'urgent');
    expect(alertStarts).toHaveLength(2); // its speech and its one ffmpeg run
    expect(alertStarts.every((s) => s.queued > 0)).toBe(true); // previews were waiting when each of them started
    expect(stillWaiting).toBeGreaterThan(0); // the alert was ready before the previews asked earlier
    expect(mediaJobs.stats.peakRunning).toBe(cap + 1); // the one place kept for alerts
  }, 120_000);
});

describe('the media queue metrics', () => {
  it('gives the queue length, the running processes and each wait by priority', async () => {
    const registry = new Registry();
    const stop = watchMediaJobs(registry);
    await runMediaProcess('ffprobe', ['-version']);
    await urgently(() => runMediaProcess('ffprobe', ['-version']));
    stop();
    await runMediaProcess('ffprobe', ['-version']);
    const text = await registry.metrics();
    expect(text).toContain('sc_media_jobs_queued 0');
    expect(text).toContain('sc_media_jobs_running 0');
    expect(text).toContain('sc_media_job_wait_seconds_count{priority="normal"} 1');
    expect(text).toContain('sc_media_job_wait_seconds_count{priority="urgent"} 1');
  });
});
