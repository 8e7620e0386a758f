import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEdgeConfig, openEdgeDatabase, Outbox, provision, saveEdgeConfig, startEdgeDaemon, type EdgeConfig, type EdgeDaemon, type OutboxOptions } from '@smart-commune/edge';
import { silentLogger } from '@smart-commune/shared/runtime';
import type { TestCloud } from './cloud.js';

export const EDGE_CLI = fileURLToPath(new URL('../edge/dist/cli.js', import.meta.url));

export interface ProvisionedEdge {
  edgeId: string;
  dataDir: string;
}

/** Creates a box record and claims it through the API (no daemon, no data dir); returns its id and MQTT password. */
export async function claimTestEdge(test: TestCloud, hamletCode = 'ap-1', name = `Tủ ${hamletCode}`): Promise<{ edgeId: string; password: string }> {
  const created = await test.request<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode });
  const token = await test.request<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
  const claim = await test.request<{ mqtt: { password: string } }>('POST', '/api/v1/provision/claim', { token: token.body.token }, null);
  if (claim.status !== 200) throw new Error(`claim failed: ${JSON.stringify(claim.body)}`);
  return { edgeId: created.body.id, password: claim.body.mqtt.password };
}

/** Creates a box record for the hamlet, issues a claim token and claims it into a fresh data dir, as a technician would. */
export async function provisionTestEdge(test: TestCloud, hamletCode = 'ap-1', name = `Tủ ${hamletCode}`): Promise<ProvisionedEdge> {
  const created = await test.api<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode });
  if (created.status !== 201) throw new Error(`edge not created: ${JSON.stringify(created.body)}`);
  const token = await test.api<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-'));
  const config = await provision({ cloudUrl: test.cloud.httpUrl, token: token.body.token, dataDir });
  return { edgeId: config.edgeId, dataDir };
}

/** Changes fields of a provisioned box's edge.json, as a technician edits it by hand (validated as the daemon reads it). */
export function patchEdgeConfig(dataDir: string, patch: Partial<EdgeConfig>): void {
  saveEdgeConfig(dataDir, { ...loadEdgeConfig(dataDir), ...patch });
}

/** Fast reconnects for tests, so a restarted cloud is found again within about a second. */
export const TEST_BACKOFF = { initialMs: 100, maxMs: 1000, jitter: 0.2 };

export function startTestEdge(dataDir: string): Promise<EdgeDaemon> {
  return startEdgeDaemon({ dataDir, logger: silentLogger(), backoff: TEST_BACKOFF });
}

/** The real `sc-edge` binary as a child process (needs the build from scripts/test). */
export function spawnEdgeCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [EDGE_CLI, ...args], { env: { ...process.env, SC_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `sc-edge …` to completion and returns its exit code and output. */
export function runEdgeCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnEdgeCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * An outbox of its own (its own SQLite file) on a running daemon's connection, with the options a
 * test needs (held kinds, a cloud that confirms or not, a short resend wait); `close()` removes it.
 */
export function ownOutbox(daemon: EdgeDaemon, edgeId: string, options: OutboxOptions): { outbox: Outbox; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-outbox-'));
  const db = openEdgeDatabase(dir);
  const outbox = new Outbox(db, daemon.link, edgeId, silentLogger(), options);
  return {
    outbox,
    close() {
      outbox.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
