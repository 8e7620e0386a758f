import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LOG_LEVEL_VALUES, MAX_LOG_DATA_CHARS, type LogsRequest, type LogsResponse } from '@smart-commune/shared';
import { logFiles } from './log-file.js';

const gzipAsync = promisify(gzip);

/** pino writes `{"level":30,"time":1764…,` first: read both without parsing the whole line. */
const HEAD = /^\{"level":(\d+),"time":(\d+)/;

function levelAndTime(line: string): { level: number; time: number } | null {
  const head = HEAD.exec(line);
  if (head) return { level: Number(head[1]), time: Number(head[2]) };
  try {
    const parsed = JSON.parse(line) as { level?: unknown; time?: unknown };
    return typeof parsed.level === 'number' && typeof parsed.time === 'number' ? { level: parsed.level, time: parsed.time } : null;
  } catch {
    return null; // half a line cut by a power loss: not a log entry
  }
}

const CHUNK_BYTES = 256 * 1024;
/** A "line" longer than this is not one pino wrote: it is skipped rather than held in memory. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The lines of a file from its end, read in chunks: a request for the last few lines reads little
 * of a large file, and memory stays bounded whatever `logFile.maxBytes` is. Splitting on the byte
 * 0x0a is safe in UTF-8. A file rotated away meanwhile yields nothing.
 */
async function* linesBackward(path: string): AsyncGenerator<string> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return;
  try {
    let position = (await handle.stat()).size;
    let carry = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      const data = carry.length ? Buffer.concat([chunk, carry]) : chunk;
      let end = data.length;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] !== 0x0a) continue;
        if (i + 1 < end) yield data.subarray(i + 1, end).toString('utf8');
        end = i;
      }
      carry = end > MAX_LINE_BYTES ? Buffer.alloc(0) : data.subarray(0, end);
    }
    if (carry.length) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Time of the first line of a file, reading only its start. */
async function firstLineTime(path: string): Promise<number | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = HEAD.exec(buffer.subarray(0, bytesRead).toString('utf8'));
    return head ? Number(head[2]) : null;
  } finally {
    await handle.close();
  }
}

/**
 * Answers the `logs` command from the data dir's log files: the newest `lines` lines at `minLevel`
 * or above within [from, to), oldest first, gzipped. Files are read newest first and each from its
 * end in chunks, stopping at the first line older than `from`, so a short request reads little. The answer
 * must fit one MQTT message: when the gzip is still too big, the oldest half of the lines is dropped
 * until it fits, and `truncated` says so.
 */
export async function readLogs(dataDir: string, request: LogsRequest, maxDataChars = MAX_LOG_DATA_CHARS): Promise<LogsResponse> {
  const files = logFiles(dataDir);
  const minLevel = LOG_LEVEL_VALUES[request.minLevel];
  const picked: string[] = []; // newest first
  let truncated = false;
  scan: for (const path of files) {
    for await (const line of linesBackward(path)) {
      const entry = levelAndTime(line);
      if (!entry) continue;
      if (request.to !== null && entry.time >= request.to) continue;
      if (request.from !== null && entry.time < request.from) break scan;
      if (entry.level < minLevel) continue;
      if (picked.length === request.lines) {
        truncated = true;
        break scan;
      }
      picked.push(line);
    }
  }
  const oldestAt = files.length ? await firstLineTime(files[files.length - 1]!) : null;
  let kept = picked.reverse();
  for (;;) {
    const data = (await gzipAsync(Buffer.from(kept.join('\n')))).toString('base64');
    if (data.length <= maxDataChars) return { encoding: 'gzip-base64', data, lineCount: kept.length, truncated, oldestAt, fileLogging: files.length > 0 };
    kept = kept.slice(Math.ceil(kept.length / 2));
    truncated = true;
  }
}
