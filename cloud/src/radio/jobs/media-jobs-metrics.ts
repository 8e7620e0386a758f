import { Gauge, Histogram, type Registry } from 'prom-client';
import { mediaJobs } from './media-jobs.js';

/** The media queue's length, its running processes and each process's wait, in a cloud's registry; returns the function that stops feeding the wait histogram. */
export function watchMediaJobs(registry: Registry): () => void {
  new Gauge({
    name: 'sc_media_jobs_queued',
    help: 'Speech engine and ffmpeg processes waiting for a free core',
    registers: [registry],
    collect() {
      this.set(mediaJobs.stats.queued);
    },
  });
  new Gauge({
    name: 'sc_media_jobs_running',
    help: 'Speech engine and ffmpeg processes running',
    registers: [registry],
    collect() {
      this.set(mediaJobs.stats.running);
    },
  });
  const wait = new Histogram({
    name: 'sc_media_job_wait_seconds',
    help: 'How long each speech engine or ffmpeg process waited in the queue, by priority (urgent: an alert)',
    labelNames: ['priority'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  return mediaJobs.onStart((priority, waitedMs) => wait.observe({ priority }, waitedMs / 1000));
}
