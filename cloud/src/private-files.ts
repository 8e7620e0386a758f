import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Modes of everything the cloud writes under its data dir, whatever the umask: the database holds
 * reporters' phone numbers and sessions, the media stores hold evidence and citizens' photos.
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** The sticky bit marks a directory every user shares (/tmp, /var/tmp). */
const STICKY = 0o1000;

/**
 * Creates `dir` (and missing parents) readable by the service user only, and tightens it if it exists.
 * A shared directory such as /tmp is refused, not tightened: making it 0700 would lock every other
 * user and service on the machine out of it (a database file put straight into /tmp did that once).
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (statSync(dir).mode & STICKY) throw new Error(`${dir} is a directory shared by every user (sticky bit): give the cloud a directory of its own inside it`);
  chmodSync(dir, PRIVATE_DIR);
}

/** Creates `file` empty and 0600 when missing (so a program that opens it later keeps the mode), or tightens it. */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  chmodSync(file, PRIVATE_FILE);
}

/**
 * The data dir 0700, and what sits directly in it (directories 0700, files 0600): tightens a dir an
 * earlier version left to the umask (`cloud.db` 0644, `incidents/` 0755). Deeper entries are not
 * walked (the media stores hold many thousands of files): with their parents 0700 no other user
 * can reach them.
 */
export function secureDataDir(dir: string): void {
  makePrivateDir(dir);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const entry = lstatSync(path);
    if (entry.isDirectory()) chmodSync(path, PRIVATE_DIR);
    else if (entry.isFile()) chmodSync(path, PRIVATE_FILE);
  }
}
