/** HTTP paths of the live path (issue 13), used by the cloud's routes and by the boxes and the console. */

/** Base of the live sessions API (`POST` starts one, `GET` lists them). */
export const LIVE_API_PATH = '/api/v1/radio/live';

/** One session: `GET` its state; `POST {LIVE_API_PATH}/{id}/stop` stops it. */
export const liveSessionPath = (sessionId: string) => `${LIVE_API_PATH}/${sessionId}`;

/** Stops a session (`POST`, operators, CSRF like the console's other POSTs). */
export const liveStopPath = (sessionId: string) => `${LIVE_API_PATH}/${sessionId}/stop`;

/**
 * The session's Ogg Opus stream for the boxes (`GET`, device credentials): from byte 0, tailing the
 * growing recording until the session ends. A `Range: bytes=N-` request resumes after a dropped link.
 */
export const liveStreamPath = (sessionId: string) => `${LIVE_API_PATH}/${sessionId}/stream`;
