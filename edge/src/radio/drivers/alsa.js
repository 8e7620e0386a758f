import { spawn } from 'node:child_process';
import { countChildProcess } from '../../child-processes.js';
import { FRAME_BYTES, SAMPLE_RATE } from '../pcm.js';
/** ALSA output latency the player should expect: the device starts once this much is queued. */
export const ALSA_START_DELAY_US = 30_000;
/** Small ALSA buffer: what was queued of a cut item still plays for at most this long. */
export const ALSA_BUFFER_US = 100_000;
function aplayArgs(device) {
    return [
        '-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE), '-c', '1', '-D', device,
        `--buffer-time=${ALSA_BUFFER_US}`, `--start-delay=${ALSA_START_DELAY_US}`,
    ];
}
/**
 * A sound card (the cabinet's amplifier input) through `aplay` reading raw PCM on stdin. The aplay
 * process is started at an item's first frame and kept while items follow one another (the device is
 * opened once: no "device busy" between back-to-back or cut-in items); it is closed after
 * `idleCloseMs` without audio.
 */
export class AlsaDriver {
    speaker;
    options;
    idleCloseMs;
    child = null;
    stopping = new WeakSet();
    idleTimer = null;
    stderr = '';
    current = { state: 'unknown', reason: 'not used yet', checkedAt: null };
    aplay;
    /** Processes started: 1 for any run of back-to-back items. */
    spawned = 0;
    constructor(speaker, options = {}, idleCloseMs = 2000) {
        this.speaker = speaker;
        this.options = options;
        this.idleCloseMs = idleCloseMs;
        this.aplay = options.aplayPath ?? 'aplay';
    }
    async open() {
        await this.checkHealth();
    }
    ensureProcess() {
        if (this.child && this.child.exitCode === null && this.child.signalCode === null)
            return this.child;
        this.stderr = '';
        countChildProcess(this.aplay);
        const child = spawn(this.aplay, aplayArgs(this.speaker.target), { stdio: ['pipe', 'ignore', 'pipe'] });
        this.spawned++;
        child.stderr.on('data', (d) => (this.stderr = (this.stderr + d.toString()).slice(-1000)));
        child.stdin.on('error', () => {
            /* EPIPE when aplay died: reported by the exit handler */
        });
        child.on('error', (err) => this.fail(`aplay could not start: ${err.message}`));
        child.on('exit', (code, signal) => {
            if (this.child === child)
                this.child = null;
            if (this.stopping.has(child))
                return;
            if (code !== 0)
                this.fail(`aplay on "${this.speaker.target}" exited (${code ?? signal}): ${this.stderr.trim().split('\n').pop() ?? ''}`);
        });
        this.child = child;
        this.current = { state: 'ok', reason: null, checkedAt: Date.now() };
        return child;
    }
    fail(reason) {
        this.current = { state: 'offline', reason, checkedAt: Date.now() };
        this.options.onProblem?.(this.speaker, reason);
    }
    beginItem() {
        if (this.idleTimer)
            clearTimeout(this.idleTimer);
        this.idleTimer = null;
        this.ensureProcess();
    }
    write(pcm) {
        const child = this.child ?? this.ensureProcess();
        child.stdin?.write(pcm);
    }
    endItem() {
        if (this.idleTimer)
            clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.release(false), this.idleCloseMs);
        this.idleTimer.unref();
    }
    /** Ends aplay: drained (stdin closed) or at once (SIGTERM: aplay drops what it queued). */
    release(now) {
        const child = this.child;
        this.child = null;
        if (!child || child.exitCode !== null || child.signalCode !== null)
            return Promise.resolve();
        this.stopping.add(child);
        const exited = new Promise((resolve) => child.once('exit', () => resolve()));
        // aplay acts on SIGTERM only once its blocking read of stdin returns: close stdin too
        child.stdin?.end();
        if (now)
            child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
        return exited.finally(() => clearTimeout(killer));
    }
    health() {
        return this.current;
    }
    /** While idle, opens the device with 10 ms of silence; while playing, the running aplay tells. */
    async checkHealth() {
        if (this.child)
            return this.current;
        const result = await new Promise((resolve) => {
            let stderr = '';
            countChildProcess(this.aplay);
            const probe = spawn(this.aplay, aplayArgs(this.speaker.target), { stdio: ['pipe', 'ignore', 'pipe'] });
            probe.stderr.on('data', (d) => (stderr += d.toString()));
            probe.stdin.on('error', () => { });
            probe.on('error', (err) => resolve({ state: 'offline', reason: `aplay could not start: ${err.message}`, checkedAt: Date.now() }));
            probe.on('exit', (code) => resolve(code === 0
                ? { state: 'ok', reason: null, checkedAt: Date.now() }
                : { state: 'offline', reason: `ALSA device "${this.speaker.target}": ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`, checkedAt: Date.now() }));
            probe.stdin.end(Buffer.alloc(FRAME_BYTES));
        });
        if (!this.child)
            this.current = result;
        return result;
    }
    async close() {
        if (this.idleTimer)
            clearTimeout(this.idleTimer);
        this.idleTimer = null;
        await this.release(true);
    }
}
//# sourceMappingURL=alsa.js.map