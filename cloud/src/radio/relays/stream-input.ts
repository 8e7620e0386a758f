import { z } from '@hono/zod-openapi';
import type { StreamFormat } from './stream-sniff.js';

/**
 * The demuxers a station may use: Icecast/HTTP MP3 and AAC (ADTS), Ogg, and HLS with its segments
 * (MPEG-TS, AAC, MP3, fragmented MP4). Nothing else: a station's URL is outside input.
 */
const STREAM_DEMUXERS = 'mp3,aac,ogg,hls,mpegts,mov,applehttp';
/** Network only: a playlist from a station must not make ffmpeg read the cloud's own files (file:, concat:, subfile:…). */
const STREAM_PROTOCOLS = 'http,https,tcp,tls,crypto';

export const MAX_STATION_URL = 2000;

/** Whether a text is an absolute http(s) URL without credentials-looking surprises. */
export function isStationUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const stationUrlSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_STATION_URL)
  .refine(isStationUrl, 'the stream address must be an http:// or https:// URL (Icecast/HTTP MP3 or AAC, or an HLS .m3u8 playlist)')
  .openapi({ format: 'uri', example: 'http://icecast.example.vn:8000/vov1.mp3' });

/** Whether the URL names an HLS playlist (its path ends in .m3u8). */
export const isHls = (url: string): boolean => {
  try {
    return new URL(url).pathname.toLowerCase().endsWith('.m3u8');
  } catch {
    return false;
  }
};

/**
 * ffmpeg's input arguments for a station: its format when known (stream-sniff.ts), the whitelists above, a read timeout so a silent server
 * does not hang the process, and (for a plain HTTP stream) ffmpeg's own reconnection turned off:
 * the puller reconnects itself, with backoff and the fallback URL, and counts it.
 */
export function streamInput(url: string, timeoutMs: number, format: StreamFormat | null): string[] {
  return [
    ...(format === null ? [] : ['-f', format]),
    '-format_whitelist', STREAM_DEMUXERS,
    '-protocol_whitelist', STREAM_PROTOCOLS,
    '-rw_timeout', String(Math.max(1, Math.round(timeoutMs * 1000))),
    '-user_agent', 'SmartCommune-relay/1',
    '-i', url,
  ];
}
