/**
 * Polls a speaker's status URL. `http`: any 2xx answer is healthy. `sim`: the simulated speaker's
 * `GET /status` JSON ({online, muted}); 503 or no answer is offline.
 */
export class HealthPoller {
    url;
    interpret;
    everyMs;
    timeoutMs;
    current = { state: 'unknown', reason: 'not checked yet', checkedAt: null };
    timer = null;
    constructor(url, interpret, everyMs, timeoutMs = 2000) {
        this.url = url;
        this.interpret = interpret;
        this.everyMs = everyMs;
        this.timeoutMs = timeoutMs;
    }
    start() {
        if (this.timer)
            return;
        void this.check();
        this.timer = setInterval(() => void this.check(), this.everyMs);
        this.timer.unref();
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = null;
    }
    async check() {
        const checkedAt = Date.now();
        let next;
        try {
            const res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
            const text = await res.text();
            if (!res.ok)
                next = { state: 'offline', reason: `status answered HTTP ${res.status}`, checkedAt };
            else if (this.interpret === 'sim') {
                const body = JSON.parse(text);
                if (body.online === false)
                    next = { state: 'offline', reason: 'speaker reports offline', checkedAt };
                else if (body.muted === true)
                    next = { state: 'muted', reason: 'speaker reports muted', checkedAt };
                else
                    next = { state: 'ok', reason: null, checkedAt };
            }
            else
                next = { state: 'ok', reason: null, checkedAt };
        }
        catch (err) {
            next = { state: 'offline', reason: `status not reachable: ${err.message}`, checkedAt };
        }
        this.current = next;
        return next;
    }
}
//# sourceMappingURL=health.js.map