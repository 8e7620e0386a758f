/** The demuxer a station's stream needs, as ffmpeg names it. */
export type StreamFormat = 'mp3' | 'aac' | 'ogg' | 'hls';

/** A station that could not be reached, or answered with an error or something that is not a stream. */
export class StreamUnavailable extends Error {
  override name = 'StreamUnavailable';
  constructor(
    readonly reason: 'unreachable' | 'not_audio' | 'no_answer',
    message: string,
  ) {
    super(message);
  }
}

const BY_TYPE: [RegExp, StreamFormat][] = [
  [/^audio\/(mpeg|mp3|mpeg3|x-mpeg)$/, 'mp3'],
  [/^audio\/(aac|aacp|x-aac|mp4a-latm)$/, 'aac'],
  [/^(audio|application)\/(ogg|x-ogg|opus)$/, 'ogg'],
  [/^(application\/(vnd\.apple\.mpegurl|x-mpegurl)|audio\/(mpegurl|x-mpegurl))$/, 'hls'],
];

/**
 * Asks the station what it sends (the Content-Type of a GET whose body is not read) so ffmpeg is
 * told the format. A listener joining an Icecast stream gets its burst from the middle of a frame,
 * and ffmpeg's own guess then fails ("could not find codec parameters"); told `-f mp3` it resyncs.
 * An HLS playlist is known by its address too. Null: a type ffmpeg must guess.
 */
export async function sniffStream(url: string, timeoutMs: number): Promise<{ format: StreamFormat | null; contentType: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal: controller.signal, headers: { 'user-agent': 'SmartCommune-relay/1', 'icy-metadata': '0' }, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    if (controller.signal.aborted) throw new StreamUnavailable('no_answer', `no answer within ${Math.round(timeoutMs / 1000)} s`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new StreamUnavailable('unreachable', `cannot connect: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  clearTimeout(timer);
  controller.abort(); // the headers are enough; the body of a live stream never ends
  if (!res.ok) throw new StreamUnavailable('unreachable', `the server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (/^text\/html/.test(contentType)) throw new StreamUnavailable('not_audio', `the address answers a web page (${contentType}), not a sound stream`);
  if (new URL(res.url || url).pathname.toLowerCase().endsWith('.m3u8')) return { format: 'hls', contentType };
  const match = BY_TYPE.find(([pattern]) => pattern.test(contentType));
  return { format: match ? match[1] : null, contentType };
}
