import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { logsRequestSchema, type LogsResponse } from '@smart-commune/shared';
import { createEdgeLogger } from './edge-logger.js';
import { LOG_DIR, LOG_FILE, logFiles, RotatingLogFile } from './log-file.js';
import { readLogs } from './log-reader.js';

const dirs: string[] = [];
const tempDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-edge-logs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const line = (level: number, time: number, msg: string) => `${JSON.stringify({ level, time, pid: 1, name: 'sc-edge', msg })}\n`;
const unpack = (res: LogsResponse) => {
  const text = gunzipSync(Buffer.from(res.data, 'base64')).toString('utf8');
  return text ? text.split('\n').map((l) => JSON.parse(l) as { level: number; time: number; msg: string }) : [];
};
const query = (q: Partial<ReturnType<typeof logsRequestSchema.parse>>) => logsRequestSchema.parse(q);

describe("the box's rotating log file", () => {
  it('never holds more than maxBytes × files, keeping the newest lines', () => {
    const dataDir = tempDataDir();
    const file = new RotatingLogFile(dataDir, { maxBytes: 4096, files: 3 });
    for (let i = 0; i < 500; i++) file.write(line(30, 1_000_000 + i, `line ${i}`));
    file.close();
    const files = logFiles(dataDir);
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([LOG_FILE, `${LOG_FILE}.1`, `${LOG_FILE}.2`]);
    const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(total).toBeLessThanOrEqual(3 * (4096 + 100));
    const newest = readFileSync(files[0]!, 'utf8').trim().split('\n');
    expect(JSON.parse(newest[newest.length - 1]!).msg).toBe('line 499');
    // whole lines only, in order across the files
    const all = files
      .reverse()
      .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    const first = Number(all[0]!.split(' ')[1]);
    expect(all).toEqual(Array.from({ length: 500 - first }, (_, i) => `line ${first + i}`));
  });

  it("is written by the daemon's logger beside stdout, at the logger's level, which may change live", () => {
    const dataDir = tempDataDir();
    const { logger, file } = createEdgeLogger(dataDir, { stdout: false, level: 'info' });
    logger.debug('not yet');
    logger.info({ component: 'radio' }, 'hello');
    logger.level = 'debug';
    logger.debug('now debug');
    file.close();
    const lines = readFileSync(join(dataDir, LOG_DIR, LOG_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['hello', 'now debug']);
    expect(lines[0]).toMatchObject({ level: 30, name: 'sc-edge', component: 'radio' });
  });
});

describe('reading the logs for the cloud', () => {
  function seed(dataDir: string) {
    const file = new RotatingLogFile(dataDir, { maxBytes: 2048, files: 10 });
    // 100 lines, one a second from t=10 000 s; every 10th is a warning, every 25th an error
    for (let i = 0; i < 100; i++) file.write(line(i % 25 === 0 ? 50 : i % 10 === 0 ? 40 : 30, 10_000_000 + i * 1000, `m${i}`));
    file.write('{"level":30,"ti'); // a line cut by a power loss
    file.close();
  }

  it('ends a line a power cut left half written before writing the next', async () => {
    const dataDir = tempDataDir();
    seed(dataDir);
    const file = new RotatingLogFile(dataDir, { maxBytes: 2048, files: 10 });
    file.write(line(40, 10_000_000 + 100_000, 'after the power cut'));
    file.close();
    const res = await readLogs(dataDir, query({ minLevel: 'warn', lines: 2 }));
    expect(unpack(res).map((l) => l.msg)).toEqual(['m90', 'after the power cut']);
  });

  it('returns the newest N lines at a level and above, oldest first, across rotated files', async () => {
    const dataDir = tempDataDir();
    seed(dataDir);
    expect(logFiles(dataDir).length).toBeGreaterThan(2);
    const warn = await readLogs(dataDir, query({ minLevel: 'warn', lines: 5 }));
    expect(unpack(warn).map((l) => l.msg)).toEqual(['m50', 'm60', 'm70', 'm75', 'm80', 'm90'].slice(1));
    expect(warn).toMatchObject({ lineCount: 5, truncated: true, fileLogging: true, oldestAt: 10_000_000 });
    const errors = await readLogs(dataDir, query({ minLevel: 'error', lines: 100 }));
    expect(unpack(errors).map((l) => l.msg)).toEqual(['m0', 'm25', 'm50', 'm75']);
    expect(errors.truncated).toBe(false);
  });

  it('keeps to a time range [from, to)', async () => {
    const dataDir = tempDataDir();
    seed(dataDir);
    const res = await readLogs(dataDir, query({ minLevel: 'info', from: 10_000_000 + 20_000, to: 10_000_000 + 25_000, lines: 100 }));
    expect(unpack(res).map((l) => l.msg)).toEqual(['m20', 'm21', 'm22', 'm23', 'm24']);
    expect(res.truncated).toBe(false);
    const empty = await readLogs(dataDir, query({ from: 1, to: 2 }));
    expect(empty).toMatchObject({ lineCount: 0, truncated: false });
    expect(unpack(empty)).toEqual([]);
  });

  it('drops the oldest lines until the gzip fits one message, and says so', async () => {
    const dataDir = tempDataDir();
    const file = new RotatingLogFile(dataDir, { maxBytes: 50 * 1024 * 1024, files: 2 });
    // random text does not compress: 400 lines of ~1 KiB cannot fit in 64 KiB
    for (let i = 0; i < 400; i++) file.write(line(30, 1000 + i, `${i} ${Buffer.from(Array.from({ length: 700 }, () => Math.floor(Math.random() * 256))).toString('base64')}`));
    file.close();
    const res = await readLogs(dataDir, query({ lines: 400 }), 64 * 1024);
    expect(res.data.length).toBeLessThanOrEqual(64 * 1024);
    expect(res.truncated).toBe(true);
    const lines = unpack(res);
    expect(lines.length).toBe(res.lineCount);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines[lines.length - 1]!.msg.startsWith('399 ')).toBe(true);
  });

  it('reads a large file from its end in chunks without cutting or losing a line', async () => {
    const dataDir = tempDataDir();
    const file = new RotatingLogFile(dataDir, { maxBytes: 64 * 1024 * 1024, files: 2 });
    // ~600 KiB in one file: lines straddle the 256 KiB chunks; some carry multi-byte Vietnamese text
    for (let i = 0; i < 3000; i++) file.write(line(30, 1_000_000 + i, `dòng ${i} ${'loa truyền thanh '.repeat(i % 13)}`));
    file.close();
    const res = await readLogs(dataDir, query({ lines: 5000, minLevel: 'trace' }));
    const msgs = unpack(res).map((l) => l.msg);
    expect(msgs).toHaveLength(3000);
    expect(msgs.every((m, i) => m === `dòng ${i} ${'loa truyền thanh '.repeat(i % 13)}`)).toBe(true);
    expect(res.truncated).toBe(false);
  });

  it('says when the box writes no log file', async () => {
    const res = await readLogs(tempDataDir(), query({}));
    expect(res).toMatchObject({ lineCount: 0, fileLogging: false, oldestAt: null, truncated: false });
  });
});
