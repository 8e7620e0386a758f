import { CLOUD_VERSION } from '../../version.js';
import type { FeedValidators } from './feed-store.js';

/** Why a fetch did not give a body: `permanent` ones (too large, 404, 410) are not worth asking again. */
export class FeedFetchError extends Error {
  override name = 'FeedFetchError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export type FetchResult = { notModified: true } | { notModified: false; text: string; validators: FeedValidators };

export interface FetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Sent as If-None-Match / If-Modified-Since. */
  validators?: FeedValidators | null;
  accept: string;
  /** Aborts when the poller stops. */
  signal: AbortSignal;
}

const USER_AGENT = `sc-cloud/${CLOUD_VERSION} (Smart Commune CAP feed reader)`;

/** Reads a body up to `maxBytes`, stopping (and dropping the connection) as soon as it goes over. */
async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new FeedFetchError(`larger than ${maxBytes / 1024} KiB (${declared} bytes declared)`, true);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FeedFetchError(`larger than ${maxBytes / 1024} KiB`, true);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** What went wrong with a request, in words an operator can act on. */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.name === 'AbortError') return 'stopped';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message}: ${cause}` : e.message;
}

/**
 * GET over http(s) with a time limit for the whole exchange, the body bounded, and the validators
 * of the last answer so an unchanged index costs a 304. Redirects are followed (undici follows only
 * http and https). 404 and 410 are permanent; other failures may pass.
 */
export async function fetchBounded(url: string, options: FetchOptions): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: options.accept, 'user-agent': USER_AGENT };
  if (options.validators?.etag) headers['if-none-match'] = options.validators.etag;
  if (options.validators?.lastModified) headers['if-modified-since'] = options.validators.lastModified;
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  try {
    const res = await fetch(url, { headers, signal, redirect: 'follow' });
    if (res.status === 304) {
      await res.body?.cancel();
      return { notModified: true };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new FeedFetchError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, res.status === 404 || res.status === 410);
    }
    const text = await readBounded(res, options.maxBytes);
    return { notModified: false, text, validators: { etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') } };
  } catch (err) {
    if (err instanceof FeedFetchError) throw err;
    throw new FeedFetchError(describe(err, options.timeoutMs), false);
  }
}
