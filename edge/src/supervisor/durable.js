import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeIssues } from '@smart-commune/shared';
/**
 * Files that must survive a power cut whole or not at all: write a temporary file, fsync it, rename
 * it over the target, fsync the directory (so the rename itself is on disk). A reader sees the old
 * content or the new one, never a mix; a leftover `.tmp` file is ignored.
 */
export function fsyncDir(dir) {
    const fd = openSync(dir, 'r');
    try {
        fsyncSync(fd);
    }
    finally {
        closeSync(fd);
    }
}
export function writeFileDurable(path, content, mode = 0o644) {
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', mode);
    try {
        writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
        fsyncSync(fd);
    }
    finally {
        closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDir(dirname(path));
}
export function writeJsonDurable(path, value, mode = 0o644) {
    writeFileDurable(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}
export function removeDurable(path) {
    rmSync(path, { force: true });
    fsyncDir(dirname(path));
}
export class ProtocolFileError extends Error {
    name = 'ProtocolFileError';
}
/** A protocol file: null when absent; a ProtocolFileError naming the file when it is not valid. */
export function readJsonFile(path, schema) {
    let text;
    try {
        text = readFileSync(path, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return null;
        throw err;
    }
    let raw;
    try {
        raw = JSON.parse(text);
    }
    catch {
        throw new ProtocolFileError(`${path} is not valid JSON`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
        throw new ProtocolFileError(`${path}: ${describeIssues(parsed.error)}`);
    return parsed.data;
}
//# sourceMappingURL=durable.js.map