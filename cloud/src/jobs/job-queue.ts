/** Urgent jobs (an alert's speech) start before every waiting normal job (bulletins, previews, uploads). */
export type JobPriority = 'urgent' | 'normal';

export interface JobQueueOptions {
  /** Jobs running at once. */
  concurrency: number;
  /**
   * Places beyond `concurrency` that only urgent jobs may take, so an alert does not wait for a
   * long bulletin encode to finish: the processor is briefly shared by one more process.
   */
  urgentReserve?: number;
  now?: () => number;
}

export interface JobQueueStats {
  running: number;
  queued: number;
  /** The most jobs that ever ran at once. */
  peakRunning: number;
}

/** A job starting: how long it waited in the queue. */
export type JobStartListener = (priority: JobPriority, waitedMs: number) => void;

/**
 * A concurrency limit with two priorities, first come first served within each (the few lines
 * of p-limit, plus priority). A job's place is given back when it settles, fulfilled or not.
 */
export class JobQueue {
  private running = 0;
  private peakRunning = 0;
  private readonly waiting: Record<JobPriority, (() => void)[]> = { urgent: [], normal: [] };
  private readonly listeners = new Set<JobStartListener>();
  private readonly urgentReserve: number;
  private readonly now: () => number;

  constructor(private readonly options: JobQueueOptions) {
    if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1)) throw new Error(`concurrency must be a whole number of at least 1, not ${options.concurrency}`);
    this.urgentReserve = options.urgentReserve ?? 0;
    this.now = options.now ?? Date.now;
  }

  run<T>(priority: JobPriority, job: () => Promise<T>): Promise<T> {
    const queuedAt = this.now();
    const started = new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    this.dispatch();
    return started
      .then(() => {
        for (const listener of this.listeners) listener(priority, this.now() - queuedAt);
        return job();
      })
      .finally(() => {
        this.running--;
        this.dispatch();
      });
  }

  get stats(): JobQueueStats {
    return { running: this.running, queued: this.waiting.urgent.length + this.waiting.normal.length, peakRunning: this.peakRunning };
  }

  /** Calls `listener` as each job starts; returns the function that stops it. */
  onStart(listener: JobStartListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts waiting jobs, urgent ones first, while there is room for them. */
  private dispatch(): void {
    for (;;) {
      const priority: JobPriority | null = this.waiting.urgent.length > 0 ? 'urgent' : this.waiting.normal.length > 0 ? 'normal' : null;
      if (!priority) return;
      const room = this.options.concurrency + (priority === 'urgent' ? this.urgentReserve : 0);
      if (this.running >= room) return;
      this.running++;
      this.peakRunning = Math.max(this.peakRunning, this.running);
      this.waiting[priority].shift()!();
    }
  }
}
