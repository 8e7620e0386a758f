// A cloud on a small file system of fixed size, for full-disk tests. Run it inside a private mount
// namespace (`unshare -m --propagation private node full-disk-cloud.mjs DATA_DIR MOUNT_DIR SIZE`):
// it mounts a tmpfs of SIZE at MOUNT_DIR (the media store, or the whole data dir), starts the cloud
// from dist, prints one JSON line with its URLs, then obeys lines on stdin: `fill` (writes a filler
// file until the file system is full), `free` (removes it), `stop`. The mount dies with the process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, statfsSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadCloudConfig, startCloud } from '@smart-commune/cloud';
import { silentLogger } from '@smart-commune/shared/runtime';

const [dataDir, mountDir, size, budget] = process.argv.slice(2);
mkdirSync(mountDir, { recursive: true });
execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', mountDir]);
const config = loadCloudConfig(
  {},
  { SC_DATA_DIR: dataDir, SC_HTTP_PORT: 0, SC_MQTT_PORT: 0, SC_ADMIN_PASSWORD: 'test-admin-password', SC_LOG_LEVEL: 'silent', SC_INCIDENT_MEDIA_MAX_BYTES: Number(budget) },
);
const cloud = await startCloud(config, { logger: silentLogger() });
const filler = join(mountDir, 'filler.bin');
const free = () => {
  const fs = statfsSync(mountDir);
  return fs.bavail * fs.bsize;
};
console.log(JSON.stringify({ httpUrl: cloud.httpUrl, mqttUrl: cloud.mqttUrl, freeBytes: free() }));

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'fill') {
    const fd = openSync(filler, 'a');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) writeSync(fd, chunk.subarray(0, Math.max(1, Math.min(chunk.length, free()))));
    } catch (err) {
      if (err.code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
    console.log(JSON.stringify({ filled: true, freeBytes: free() }));
  } else if (line === 'free') {
    rmSync(filler, { force: true });
    console.log(JSON.stringify({ freed: true, freeBytes: free() }));
  } else if (line === 'stop') {
    await cloud.close();
    process.exit(0);
  }
}
