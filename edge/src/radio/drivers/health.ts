import type { SpeakerHealth } from './types.js';

/**
 * Polls a speaker's status URL. `http`: any 2xx answer is healthy. `sim`: the simulated speaker's
 * `GET /status` JSON ({online, muted}); 503 or no answer is offline.
 */
export class HealthPoller {
  current: SpeakerHealth = { state: 'unknown', reason: 'not checked yet', checkedAt: null };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly url: string,
    private readonly interpret: 'http' | 'sim',
    private readonly everyMs: number,
    private readonly timeoutMs = 2000,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<SpeakerHealth> {
    const checkedAt = Date.now();
    let next: SpeakerHealth;
    try {
      const res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.text();
      if (!res.ok) next = { state: 'offline', reason: `status answered HTTP ${res.status}`, checkedAt };
      else if (this.interpret === 'sim') {
        const body = JSON.parse(text) as { online?: unknown; muted?: unknown };
        if (body.online === false) next = { state: 'offline', reason: 'speaker reports offline', checkedAt };
        else if (body.muted === true) next = { state: 'muted', reason: 'speaker reports muted', checkedAt };
        else next = { state: 'ok', reason: null, checkedAt };
      } else next = { state: 'ok', reason: null, checkedAt };
    } catch (err) {
      next = { state: 'offline', reason: `status not reachable: ${(err as Error).message}`, checkedAt };
    }
    this.current = next;
    return next;
  }
}
