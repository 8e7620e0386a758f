import type { Speaker } from '@smart-commune/shared';

export interface SpeakerHealth {
  /** ok: playing is possible; offline: unreachable or failed; muted: reachable but silent; unknown: not checked yet. */
  state: 'ok' | 'offline' | 'muted' | 'unknown';
  reason: string | null;
  /** Wall-clock ms of the last check, null before the first one. */
  checkedAt: number | null;
}

/**
 * One loudspeaker output. The player paces: it calls write() at the instant each 10 ms frame is due,
 * so a driver only forwards at once; items are delimited by beginItem()/endItem().
 */
export interface SpeakerDriver {
  readonly speaker: Speaker;
  /** Prepares the output (sockets, SDP file, health polling). */
  open(): Promise<void>;
  /** The following frames are a new item (RTP: marker bit and a timestamp jump). */
  beginItem(): void;
  /** One frame of s16le 48 kHz mono PCM (≤ 10 ms), volume already applied, to be heard now. */
  write(pcm: Buffer): void;
  /**
   * The item's timeline moved on by this many samples with no frame sent (a stall of the box): RTP's
   * media clock jumps with it, so a receiver that plays by timestamp stays on time (ALSA needs nothing:
   * its device ran on meanwhile).
   */
  skip?(samples: number): void;
  /** The item finished or was cut: nothing more of it is sent. */
  endItem(): void;
  /** Last known health; playing does not wait for it. */
  health(): SpeakerHealth;
  /** Checks now (for drivers with a health endpoint) and returns the result. */
  checkHealth(): Promise<SpeakerHealth>;
  close(): Promise<void>;
}

export interface DriverOptions {
  /** Where the rtp/sim drivers write an SDP file describing their stream (for ffplay or a real speaker's setup). */
  sdpDir?: string;
  aplayPath?: string;
  /** Health polling period of speakers with a statusUrl. */
  healthIntervalMs?: number;
  /** Called with problems worth a log line (send errors, aplay failures). */
  onProblem?: (speaker: Speaker, message: string) => void;
}
