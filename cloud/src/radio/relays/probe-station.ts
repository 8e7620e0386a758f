import { lastLines, ProcessFailed, runProcess } from '../tts/run-process.js';
import { isHls, streamInput } from './stream-input.js';
import { sniffStream, StreamUnavailable, type StreamFormat } from './stream-sniff.js';

/** What a check of a stream URL found, with a sentence in Vietnamese for the operator. */
export type StationProbe =
  | { ok: true; kind: 'hls' | 'http'; format: string; codec: string; sampleRate: number; channels: number; bitRate: number | null; message: string }
  | { ok: false; reason: 'unreachable' | 'not_audio' | 'no_answer'; message: string; detail: string };

interface FfprobeOutput {
  format?: { format_name?: string; bit_rate?: string };
  streams?: { codec_type?: string; codec_name?: string; sample_rate?: string; channels?: number; bit_rate?: string }[];
}

/** ffprobe's words that mean the server was not reached or refused the address (as opposed to answering something that is not sound). */
const UNREACHABLE = /Connection refused|Name or service not known|Temporary failure in name resolution|No route to host|Network is unreachable|Server returned [45]\d\d|HTTP error|Connection reset|Failed to resolve|Operation timed out/i;

function refusal(reason: 'unreachable' | 'not_audio' | 'no_answer', detail: string, timeoutMs: number): StationProbe {
  const message = {
    no_answer: `Không nhận được dữ liệu từ địa chỉ này trong ${Math.round(timeoutMs / 1000)} giây: đài không phát hoặc mạng quá chậm.`,
    unreachable: `Không kết nối được tới địa chỉ này (${detail}). Kiểm tra lại địa chỉ và mạng của máy chủ.`,
    not_audio: `Địa chỉ này trả lời nhưng không phải luồng âm thanh phát được (${detail}). Cần luồng MP3, AAC qua HTTP/Icecast hoặc danh sách HLS (.m3u8).`,
  }[reason];
  return { ok: false, reason, message, detail };
}

/**
 * Asks ffprobe whether the URL is a sound stream (Icecast/HTTP MP3 or AAC, or HLS) and describes it.
 * It runs outside the media queue: it waits on the network, not on a core.
 */
export async function probeStation(url: string, timeoutMs: number): Promise<StationProbe> {
  let format: StreamFormat | null;
  try {
    ({ format } = await sniffStream(url, timeoutMs));
  } catch (err) {
    if (!(err instanceof StreamUnavailable)) throw err;
    return refusal(err.reason, err.message, timeoutMs);
  }
  let stdout: string;
  try {
    ({ stdout } = await runProcess(
      'ffprobe',
      ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-probesize', '65536', '-analyzeduration', '1000000', ...streamInput(url, timeoutMs, format)],
      { timeoutMs: timeoutMs + 2000 },
    ));
  } catch (err) {
    if (!(err instanceof ProcessFailed)) throw err;
    const detail = lastLines(err.stderr || err.message, 1);
    if (err.exitCode === null || /did not finish/.test(err.message)) return refusal('no_answer', detail, timeoutMs);
    return refusal(UNREACHABLE.test(err.stderr) ? 'unreachable' : 'not_audio', detail, timeoutMs);
  }
  const probe = JSON.parse(stdout) as FfprobeOutput;
  const audio = probe.streams?.find((s) => s.codec_type === 'audio');
  if (!audio) {
    return { ok: false, reason: 'not_audio', message: 'Địa chỉ này trả lời nhưng không có âm thanh (không thấy kênh tiếng nào).', detail: `streams: ${(probe.streams ?? []).map((s) => s.codec_type).join(', ') || 'none'}` };
  }
  const bitRate = Number(audio.bit_rate ?? probe.format?.bit_rate);
  const kind = isHls(url) || (probe.format?.format_name ?? '').includes('hls') ? 'hls' : 'http';
  const codec = audio.codec_name ?? 'unknown';
  const sampleRate = Number(audio.sample_rate ?? 0);
  const channels = audio.channels ?? 0;
  const kbps = Number.isFinite(bitRate) && bitRate > 0 ? Math.round(bitRate / 1000) : null;
  return {
    ok: true,
    kind,
    format: probe.format?.format_name ?? 'unknown',
    codec,
    sampleRate,
    channels,
    bitRate: kbps === null ? null : bitRate,
    message: `Luồng âm thanh phát được: ${kind === 'hls' ? 'HLS' : 'HTTP/Icecast'}, ${codec.toUpperCase()}, ${sampleRate} Hz, ${channels === 1 ? 'đơn kênh' : `${channels} kênh`}${kbps === null ? '' : `, ${kbps} kbit/s`}.`,
  };
}
