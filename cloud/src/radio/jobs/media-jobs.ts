import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { runProcess, type ProcessResult, type RunOptions } from '../tts/run-process.js';
import { JobQueue, type JobPriority } from '../../jobs/job-queue.js';

/**
 * The cloud's ffmpeg, ffprobe and speech engine processes, each of which keeps a core busy (a
 * 5,000-character preview took 16.5 s): one per core at once, whoever starts them, and one more
 * for an alert. One queue per process, since the cores are shared by every cloud in it.
 */
export const mediaJobs = new JobQueue({ concurrency: availableParallelism(), urgentReserve: 1 });

/** The priority of the work in progress, carried through its awaits to each process it starts. */
const currentPriority = new AsyncLocalStorage<JobPriority>();

/** Runs `work` with every media process it starts ahead of the queue: an alert's speech. */
export function urgently<T>(work: () => Promise<T>): Promise<T> {
  return currentPriority.run('urgent', work);
}

/** Runs a media program (never through a shell) once the queue has room for it. */
export function runMediaProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return mediaJobs.run(currentPriority.getStore() ?? 'normal', () => runProcess(command, args, options));
}
