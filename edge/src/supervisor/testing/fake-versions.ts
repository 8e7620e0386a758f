import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateReleaseKeyPair, loadPrivateKey, releaseManifestSchema, serializeManifest, signBytes, type ReleasePublicKey } from '@smart-commune/shared';
import { edgeHomeLayout, type EdgeHomeLayout } from '../layout.js';
import { writeJsonDurable } from '../durable.js';

/**
 * Small fake "versions" for the supervisor's tests: signed releases whose entry is a tiny Node script
 * that behaves well or badly. Each run appends "<version> <pid> <trial>" to data/runs.log.
 *   good       writes a healthy health file every 100 ms; exits 75 when a switch request appears (as the update module would)
 *   unhealthy  writes health files saying the documents are not applied
 *   silent     runs but never writes a health file
 *   crash      prints an error and exits 1
 *   crash-once crashes on its first run only
 */
export type FakeBehaviour = 'good' | 'unhealthy' | 'silent' | 'crash' | 'crash-once';

function script(behaviour: FakeBehaviour): string {
  return `'use strict';
const fs = require('fs'); const path = require('path');
const home = process.env.SC_EDGE_HOME; const v = process.env.SC_EDGE_RELEASE; const data = process.env.SC_DATA_DIR;
let mode = ${JSON.stringify(behaviour)};
if (mode === 'crash-once') {
  const marker = path.join(data, 'crashed-once-' + v);
  if (fs.existsSync(marker)) mode = 'good'; else { fs.writeFileSync(marker, ''); mode = 'crash'; }
}
fs.appendFileSync(path.join(data, 'runs.log'), v + ' ' + process.pid + ' ' + process.env.SC_EDGE_TRIAL + '\\n');
console.log(JSON.stringify({ level: 30, msg: 'fake daemon started', version: v, mode }));
if (mode === 'crash') {
  console.error('boom: ' + v + ' cannot open its database');
  setTimeout(() => process.exit(1), 30);
} else {
  const startedAt = Date.now();
  const healthFile = path.join(home, 'supervisor', 'health-' + v + '.json');
  const tick = () => {
    if (mode !== 'silent') {
      const report = { format: 1, version: v, pid: process.pid, startedAt, at: Date.now(), connected: true, documentsApplied: mode === 'good',
        loudspeakers: { total: 1, reachable: 1 }, cameras: { total: 0, streaming: 0 }, notes: [] };
      fs.writeFileSync(healthFile + '.tmp', JSON.stringify(report)); fs.renameSync(healthFile + '.tmp', healthFile);
    }
    if (fs.existsSync(path.join(home, 'supervisor', 'switch-request.json'))) process.exit(75);
  };
  setInterval(tick, 100); tick();
  process.on('SIGTERM', () => process.exit(0));
}
`;
}

export interface FakeHome {
  layout: EdgeHomeLayout;
  privateKeyPem: string;
  publicKey: ReleasePublicKey;
  /** Writes a signed fake release into releases/<version>. */
  install(version: string, behaviour: FakeBehaviour, opts?: { privateKeyPem?: string }): void;
  /** Makes it the box's current release (state.json), as `sc-edge-supervisor install` does the first time. */
  setCurrent(version: string): void;
  /** Versions started so far, in order. */
  runs(): { version: string; pid: number; trial: boolean }[];
}

export function createFakeHome(): FakeHome {
  const home = mkdtempSync(join(tmpdir(), 'sc-home-'));
  const layout = edgeHomeLayout(home);
  for (const dir of [layout.releases, layout.data, layout.keys, layout.supervisorDir]) mkdirSync(dir, { recursive: true });
  const { privateKeyPem, publicKey } = generateReleaseKeyPair();
  writeJsonDurable(layout.keysFile, { format: 1, sequence: 0, keys: [publicKey] });
  return {
    layout,
    privateKeyPem,
    publicKey,
    install(version, behaviour, opts = {}) {
      const dir = layout.releaseDir(version);
      mkdirSync(join(dir, 'dist'), { recursive: true });
      const body = Buffer.from(script(behaviour));
      writeFileSync(join(dir, 'dist', 'cli.js'), body);
      const manifest = releaseManifestSchema.parse({
        format: 1,
        product: 'edge',
        version,
        arch: process.arch,
        minCloudVersion: '0.1.0',
        contractVersion: '1',
        createdAt: new Date().toISOString(),
        entry: 'dist/cli.js',
        files: [{ path: 'dist/cli.js', size: body.length, sha256: createHash('sha256').update(body).digest('hex') }],
      });
      const bytes = serializeManifest(manifest);
      writeFileSync(join(dir, 'manifest.json'), bytes);
      writeFileSync(join(dir, 'manifest.sig'), JSON.stringify(signBytes(bytes, loadPrivateKey(opts.privateKeyPem ?? privateKeyPem))));
    },
    setCurrent(version) {
      writeJsonDurable(layout.state, { format: 1, current: version, previous: null, trial: null, updatedAt: Date.now() });
    },
    runs() {
      let text = '';
      try {
        text = readFileSync(join(layout.data, 'runs.log'), 'utf8');
      } catch {
        return [];
      }
      return text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [version, pid, trial] = l.split(' ');
          return { version: version!, pid: Number(pid), trial: trial === '1' };
        });
    },
  };
}

export async function waitUntil<T>(what: string, check: () => T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
