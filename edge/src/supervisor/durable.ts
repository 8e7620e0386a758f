import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { describeIssues } from '@smart-commune/shared';

/**
 * Files that must survive a power cut whole or not at all: write a temporary file, fsync it, rename
 * it over the target, fsync the directory (so the rename itself is on disk). A reader sees the old
 * content or the new one, never a mix; a leftover `.tmp` file is ignored.
 */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileDurable(path: string, content: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

export function writeJsonDurable(path: string, value: unknown, mode = 0o644): void {
  writeFileDurable(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}

export function removeDurable(path: string): void {
  rmSync(path, { force: true });
  fsyncDir(dirname(path));
}

export class ProtocolFileError extends Error {
  override name = 'ProtocolFileError';
}

/** A protocol file: null when absent; a ProtocolFileError naming the file when it is not valid. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolFileError(`${path} is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ProtocolFileError(`${path}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
