import type { z } from 'zod';
import { MAX_ANSWER_BYTES } from './zalo-wire.js';

/** What one HTTP exchange with Zalo came to, before any meaning is given to the answer. */
export type HttpResult<T> =
  | { kind: 'answer'; status: number; body: T; retryAfterMs?: number }
  /** No usable answer: the network, a timeout, a 5xx, a body that is not the documented shape. */
  | { kind: 'failed'; status: number | null; reason: string; retryAfterMs?: number };

const retryAfterOf = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const s = Number(header);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 3600) * 1000 : undefined;
};

/** Reads a body up to `max` bytes; a larger one is cut (and then fails validation) rather than held in memory. */
async function boundedText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`Zalo's answer is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One request to Zalo with a timeout, the answer read bounded and checked against its schema. HTTP
 * 429 and 5xx are failures (retry later); any other status with a documented body is an answer,
 * since Zalo puts its errors in the body (`error` != 0) whatever the status.
 */
export async function zaloRequest<S extends z.ZodTypeAny>(
  url: string,
  init: RequestInit,
  schema: S,
  timeoutMs: number,
  /** The dispatcher's: aborts when it stops waiting for this send. */
  signal?: AbortSignal,
): Promise<HttpResult<z.infer<S>>> {
  let res: Response;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(url, { ...init, signal: signal ? AbortSignal.any([timeout, signal]) : timeout });
  } catch (err) {
    const reason = signal?.aborted
      ? 'the send was abandoned (SC_NOTIFY_SEND_TIMEOUT_S)'
      : err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : `unreachable: ${(err as Error).message}`;
    return { kind: 'failed', status: null, reason };
  }
  const retryAfterMs = retryAfterOf(res.headers.get('retry-after'));
  let text: string;
  try {
    text = await boundedText(res, MAX_ANSWER_BYTES);
  } catch (err) {
    return { kind: 'failed', status: res.status, reason: (err as Error).message };
  }
  if (res.status === 429 || res.status >= 500) {
    return { kind: 'failed', status: res.status, reason: `HTTP ${res.status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'failed', status: res.status, reason: `HTTP ${res.status} with a body that is not JSON` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return { kind: 'failed', status: res.status, reason: `HTTP ${res.status} with an answer not in the documented shape (${issues})` };
  }
  return { kind: 'answer', status: res.status, body: parsed.data as z.infer<S>, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
