import type { Logger } from '@smart-commune/shared/runtime';
import { LIVE_VOICE_CLOSE, type LiveVoiceServerMessage } from '@smart-commune/shared';
import { ApiError, heldElsewhere } from '../../http/errors.js';
import type { CloudMetrics } from '../../metrics.js';
import type { LiveSessions } from '../live/live-sessions.js';
import type { LiveInput, LiveSessionView } from '../live/live-types.js';
import { sees, type Scoped } from '../../communes/scope.js';
import { VoiceDecoder } from './voice-decoder.js';

/** The bounds of the voice ingest (cloud/src/config.ts SC_LIVE_VOICE_*). */
export interface VoiceIngestLimits {
  /**
   * The operator's link is taken as gone when no audio arrived for this long (MediaRecorder sends a
   * piece every 100 ms, silence included): the session then ends 'interrupted'.
   */
  linkGraceMs: number;
  /** Largest WebSocket message (one MediaRecorder piece; the ws library closes with 1009 above it). */
  maxMessageBytes: number;
  /** Sustained bytes per second (Opus speech is 4–16 KB/s); twice this is allowed in a burst after a stall. */
  maxBytesPerS: number;
}

export const DEFAULT_VOICE_LIMITS: VoiceIngestLimits = {
  linkGraceMs: 4000,
  maxMessageBytes: 32 * 1024,
  maxBytesPerS: 64 * 1024,
};

/** The operator's socket, as the ingest sees it (the route adapts Hono's WSContext to it). */
export interface VoiceSocket {
  send(message: LiveVoiceServerMessage): void;
  close(code: number, reason: string): void;
}

/** The state of the operator's link, for the live page. */
export interface VoiceLink {
  connected: boolean;
  /** Sockets attached so far (1 + reconnections). */
  connections: number;
  lastAudioAt: number | null;
  receivedBytes: number;
  /** Audio decoded and handed to the session, ms. */
  decodedMs: number;
  /** Why the last socket was closed by the cloud, if it was. */
  lastError: string | null;
}

/** The metric's reason for each close code the cloud sends. */
const CLOSE_REASONS: Record<number, string> = {
  [LIVE_VOICE_CLOSE.badAudio]: 'bad_audio',
  [LIVE_VOICE_CLOSE.tooFast]: 'too_fast',
  [LIVE_VOICE_CLOSE.replaced]: 'replaced',
  [LIVE_VOICE_CLOSE.ended]: 'interrupted',
  1000: 'ended',
};

/** How long a session may wait for its first audio (the live sessions end a voice silent for 5 s from its start anyway). */
const FIRST_AUDIO_MS = 5000;

/** WebM (Matroska) streams begin with the EBML element id 1A 45 DF A3. */
const isWebmStart = (data: Buffer) => data.length >= 4 && data.readUInt32BE(0) === 0x1a45dfa3;

interface VoiceEntry {
  sessionId: string;
  ownerId: string;
  input: LiveInput;
  /** The session's epoch (cloud time of its first sample), told to each socket that attaches. */
  epoch: number;
  openedAt: number;
  socket: VoiceSocket | null;
  decoder: VoiceDecoder | null;
  link: VoiceLink;
  /** Token bucket of the byte rate. */
  allowance: number;
  allowanceAt: number;
  ended: boolean;
  /** The operator asked to stop; the session is ending. */
  stopping: boolean;
}

export interface VoiceIngestDeps {
  live: Pick<LiveSessions, 'stop' | 'get' | 'inputOf'>;
  logger: Logger;
  metrics: Pick<CloudMetrics, 'liveVoiceSockets' | 'liveVoiceClosed'>;
  limits?: Partial<VoiceIngestLimits>;
  ffmpegPath?: string;
  now?: () => number;
}

/**
 * The operators' microphones on air: each voice session's LiveInput (the session started by
 * `POST /radio/live`, adopted at its first socket), the socket streaming into it and its decoder.
 * Until a socket comes, the session's own input timeout ends it if none does. A watchdog ends a session 'interrupted' when its operator's link has been silent
 * longer than the grace (dropped connection, phone out of coverage) and closes the socket when the
 * session ended some other way (the Stop button's POST, the cloud stopping).
 */
export class VoiceIngest {
  readonly limits: VoiceIngestLimits;
  private readonly entries = new Map<string, VoiceEntry>();
  private readonly timer: NodeJS.Timeout;
  private watching = false;
  private readonly now: () => number;

  constructor(private readonly deps: VoiceIngestDeps) {
    this.limits = { ...DEFAULT_VOICE_LIMITS, ...deps.limits };
    this.now = deps.now ?? Date.now;
    this.timer = setInterval(() => void this.watchOnce(), 250);
    this.timer.unref();
  }

  /** The operator's link of a session this ingest holds, else null. */
  link(sessionId: string): VoiceLink | null {
    const entry = this.entries.get(sessionId);
    return entry ? { ...entry.link } : null;
  }

  /**
   * Admits `userId`'s socket to this session (null) or says why not: it must be a voice session they
   * started, still on air. The first time, the ingest takes the session's input over.
   */
  async admit(sessionId: string, person: { id: string } & Scoped): Promise<ApiError | null> {
    const userId = person.id;
    let session: LiveSessionView;
    try {
      session = await this.deps.live.get(sessionId);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      return new ApiError(404, 'not_found', `live session ${sessionId} not found`);
    }
    // another commune's session is not found, as one that does not exist (issue 10)
    if (!sees(person, session.communeCode)) return new ApiError(404, 'not_found', `live session ${sessionId} not found`);
    if (session.source !== 'voice') return new ApiError(404, 'not_found', `live session ${sessionId} is a relay, not a voice`);
    if (session.startedBy !== userId) return new ApiError(403, 'forbidden', 'only the person who started a live voice session streams into it');
    const input = this.deps.live.inputOf(sessionId);
    const known = this.entries.get(sessionId);
    if (session.status === 'ended' || known?.ended) return new ApiError(410, 'gone', `live session ${sessionId} has ended`);
    // on air, but not in this process (several behind a load balancer): the socket must reach the one that has it
    if (!input) return heldElsewhere(`live session ${sessionId}`);
    if (!known) {
      const now = this.now();
      this.entries.set(sessionId, {
        sessionId,
        ownerId: userId,
        input,
        epoch: session.epoch,
        openedAt: now,
        socket: null,
        decoder: null,
        link: { connected: false, connections: 0, lastAudioAt: null, receivedBytes: 0, decodedMs: 0, lastError: null },
        allowance: this.limits.maxBytesPerS * 2,
        allowanceAt: now,
        ended: false,
        stopping: false,
      });
    }
    return null;
  }

  /** A socket of the session's owner is open (refusal() said yes): the microphone goes on air through it. */
  attach(sessionId: string, socket: VoiceSocket): { onBinary(data: Buffer): void; onStop(): void; onClose(): void } {
    const entry = this.entries.get(sessionId);
    if (!entry || entry.ended) {
      socket.close(LIVE_VOICE_CLOSE.ended, 'session ended');
      return { onBinary: () => {}, onStop: () => {}, onClose: () => {} };
    }
    // the newest socket wins: after a dropped link the old one may not know it is dead yet
    if (entry.socket) this.detach(entry, { code: LIVE_VOICE_CLOSE.replaced, reason: 'another connection took this session over' });
    entry.socket = socket;
    this.deps.metrics.liveVoiceSockets.inc();
    entry.link.connected = true;
    entry.link.connections++;
    entry.link.lastAudioAt ??= this.now();
    const decoder = new VoiceDecoder(
      {
        onPcm: (pcm) => {
          if (entry.ended) return;
          entry.input.write(pcm);
          entry.link.decodedMs += pcm.length / 96;
        },
        onExit: (error) => {
          if (!error || entry.decoder !== decoder) return;
          entry.link.lastError = error;
          this.deps.logger.warn({ sessionId, error }, 'live voice: undecodable stream');
          if (entry.socket === socket) this.detach(entry, { code: LIVE_VOICE_CLOSE.badAudio, reason: 'not WebM/Opus audio' });
        },
      },
      this.deps.ffmpegPath,
    );
    entry.decoder = decoder;
    socket.send({ type: 'ready', sessionId, epoch: entry.epoch });
    let first = true;
    this.deps.logger.info({ sessionId, connections: entry.link.connections }, 'live voice: operator connected');
    return {
      onBinary: (data) => {
        if (entry.socket !== socket || entry.ended) return;
        if (!this.take(entry, data.length)) {
          entry.link.lastError = `more than ${this.limits.maxBytesPerS} bytes per second`;
          this.detach(entry, { code: LIVE_VOICE_CLOSE.tooFast, reason: 'too many bytes per second for a voice' });
          return;
        }
        // a socket's stream starts with WebM's EBML header; ffmpeg would skip anything else looking for one
        if (first && !isWebmStart(data)) {
          entry.link.lastError = 'the stream does not start with a WebM (EBML) header';
          this.detach(entry, { code: LIVE_VOICE_CLOSE.badAudio, reason: 'not WebM/Opus audio' });
          return;
        }
        first = false;
        entry.link.receivedBytes += data.length;
        entry.link.lastAudioAt = this.now();
        decoder.write(data);
      },
      onStop: () => {
        if (entry.socket !== socket || entry.stopping) return;
        // stopping on purpose: the watchdog must not call the quiet that follows a lost link
        entry.stopping = true;
        // the last words are still in the decoder: let it finish (briefly) before the session ends
        const last = entry.decoder;
        entry.decoder = null;
        last?.end();
        const flushed = last ? Promise.race([last.exited, new Promise((r) => setTimeout(r, 1000))]) : Promise.resolve();
        void flushed
          .then(() => this.deps.live.stop(sessionId, entry.ownerId))
          .then((session) => {
            entry.ended = true;
            entry.socket?.send({ type: 'ended', reason: session.endReason ?? 'stopped', detail: session.endDetail });
            this.detach(entry, { code: 1000, reason: 'session ended' });
          })
          .catch((err: unknown) => this.deps.logger.error({ err, sessionId }, 'live voice: stop failed'));
      },
      onClose: () => {
        if (entry.socket !== socket) return;
        // the decoder finishes what arrived; the watchdog ends the session if no socket comes back
        entry.socket = null;
        this.deps.metrics.liveVoiceSockets.dec();
        entry.link.connected = false;
        entry.decoder = null;
        decoder.end();
        this.deps.logger.info({ sessionId }, 'live voice: operator disconnected');
      },
    };
  }

  /** Ends every session of this ingest (the cloud stops): the hamlets stop cleanly. */
  close(): void {
    clearInterval(this.timer);
    for (const entry of this.entries.values()) this.finish(entry, 'interrupted', 'the cloud stopped');
  }

  private take(entry: VoiceEntry, bytes: number): boolean {
    const now = this.now();
    const cap = this.limits.maxBytesPerS * 2;
    entry.allowance = Math.min(cap, entry.allowance + ((now - entry.allowanceAt) / 1000) * this.limits.maxBytesPerS);
    entry.allowanceAt = now;
    if (bytes > entry.allowance) return false;
    entry.allowance -= bytes;
    return true;
  }

  private detach(entry: VoiceEntry, close: { code: number; reason: string }): void {
    const socket = entry.socket;
    entry.socket = null;
    if (socket) {
      this.deps.metrics.liveVoiceSockets.dec();
      this.deps.metrics.liveVoiceClosed.inc({ reason: CLOSE_REASONS[close.code] ?? 'ended' });
    }
    entry.link.connected = false;
    entry.decoder?.kill();
    entry.decoder = null;
    socket?.close(close.code, close.reason);
  }

  /** One look at a time (the sessions are read from the database); a failed look is logged and the next one tries again. */
  private async watchOnce(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      await this.watch();
    } catch (err) {
      this.deps.logger.warn({ err }, 'live voice: watchdog look failed');
    } finally {
      this.watching = false;
    }
  }

  private async watch(): Promise<void> {
    const now = this.now();
    for (const entry of this.entries.values()) {
      if (entry.ended) {
        // kept a minute for the page's last look at the link, then forgotten
        if (now - (entry.link.lastAudioAt ?? entry.openedAt) > 60_000) this.entries.delete(entry.sessionId);
        continue;
      }
      let session: LiveSessionView | null = null;
      try {
        session = await this.deps.live.get(entry.sessionId);
      } catch (err) {
        // gone from the record: ended; the database not answering is not a reason to cut the operator off
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        session = null;
      }
      if (entry.ended) continue; // ended meanwhile (the operator's stop, a closed socket)
      if (!session || session.status === 'ended') {
        // stopped from elsewhere (the Stop button's POST, the session's own end): say so and close
        entry.ended = true;
        entry.socket?.send({ type: 'ended', reason: session?.endReason ?? 'stopped', detail: session?.endDetail ?? null });
        this.detach(entry, { code: 1000, reason: 'session ended' });
        continue;
      }
      // before the first audio a phone may take a few seconds to start recording: at least the session's own 5 s
      const grace = entry.link.receivedBytes === 0 ? Math.max(this.limits.linkGraceMs, FIRST_AUDIO_MS) : this.limits.linkGraceMs;
      if (!entry.stopping && now - (entry.link.lastAudioAt ?? entry.openedAt) > grace) {
        const why = entry.link.lastError ? ` (last: ${entry.link.lastError})` : '';
        this.finish(entry, 'interrupted', entry.link.receivedBytes === 0 ? `no audio came from the operator's microphone within ${grace / 1000} s${why}` : `the operator's connection was lost for more than ${grace / 1000} s${why}`);
      }
    }
  }

  private finish(entry: VoiceEntry, reason: 'interrupted' | 'failed', detail: string): void {
    if (entry.ended) return;
    entry.ended = true;
    this.deps.logger.warn({ sessionId: entry.sessionId, reason, detail }, 'live voice ended');
    entry.input.end(reason, detail);
    entry.socket?.send({ type: 'ended', reason, detail });
    this.detach(entry, { code: LIVE_VOICE_CLOSE.ended, reason });
  }
}
