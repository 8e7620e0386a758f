/**
 * The operator's live voice (issue 13): the console starts a voice session over HTTP (the live
 * sessions' own `POST`), then streams its microphone into it over a WebSocket. Paths and the socket's small protocol, shared by the cloud's
 * routes, the console's page script (which repeats the constants, having no bundler) and the bench's
 * Node client that plays the operator.
 */

import { liveSessionPath } from './live.js';

/**
 * `GET` with `Upgrade: websocket`: the microphone's stream into a voice session started with
 * `POST /api/v1/radio/live` (LIVE_API_PATH) by the same person. From a browser the session cookie
 * authenticates it, its `Origin` must be the console's own and `?csrf=` carries the page's CSRF token
 * (a browser cannot set headers on a WebSocket); a program uses a bearer token instead.
 */
export const liveVoiceSocketPath = (sessionId: string) => `${liveSessionPath(sessionId)}/voice`;

/** `GET`: the operator's link as the cloud sees it (connected, reconnections, audio received and decoded). */
export const liveVoiceLinkPath = (sessionId: string) => `${liveSessionPath(sessionId)}/voice/link`;

/**
 * What the browser sends: binary messages are consecutive pieces of one WebM (Matroska) stream with
 * one Opus track, as MediaRecorder('audio/webm;codecs=opus') produces them with a short timeslice;
 * a new socket (a reconnection) starts a new stream, header first. Text messages are JSON commands.
 */
export const LIVE_VOICE_MIME = 'audio/webm;codecs=opus';

/** MediaRecorder's timeslice: each piece holds about this much audio (a small piece is a small delay). */
export const LIVE_VOICE_TIMESLICE_MS = 100;

/** The only command: end the session on purpose (the same as `POST` on the session's stop path). */
export interface LiveVoiceStopCommand {
  type: 'stop';
}

/** What the cloud sends (text, JSON). */
export type LiveVoiceServerMessage =
  /** The socket is attached: the microphone's audio goes on air. */
  | { type: 'ready'; sessionId: string; epoch: number }
  /** The session ended (stopped, interrupted, failed); the socket closes after this. */
  | { type: 'ended'; reason: string; detail: string | null };

/**
 * Close codes besides the standard ones (1000 ended, 1009 a message over the size limit): the page
 * says each in words and does not reconnect after them.
 */
export const LIVE_VOICE_CLOSE = {
  /** The stream cannot be decoded as WebM/Opus. */
  badAudio: 4400,
  /** More bytes per second than a voice needs (bounded so one socket cannot flood the decoder). */
  tooFast: 4429,
  /** Another socket took this session over (the same operator reconnected). */
  replaced: 4409,
  /** The session is over. */
  ended: 4410,
} as const;
