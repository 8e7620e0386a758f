import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import type { ChildProcess } from 'node:child_process';
import { startEdgeDaemon, type EdgeDaemon, type EdgeDaemonOptions } from '../daemon.js';
import { createEdgeLogger } from '../logs/edge-logger.js';
import { EDGE_EXIT_RESTART } from './maintenance.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { patchEdgeConfig, provisionTestEdge, spawnEdgeCli, TEST_BACKOFF, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimSpeaker, type SimSpeaker } from '../../../firmware-sim/src/speakers/index.js';

/**
 * Remote maintenance with real daemons over the real broker: the cloud asks, the box answers over
 * MQTT, the console's API shows it. The restart runs the real `sc-edge run` (needs the build).
 */
describe('remote logs, doctor, restart and reboot of a box', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let daemon: EdgeDaemon | null = null;
  let child: ChildProcess | null = null;
  let speaker: SimSpeaker | null = null;

  async function start(options: Partial<EdgeDaemonOptions> = {}) {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-4');
    const { logger } = createEdgeLogger(edge.dataDir, { stdout: false, level: 'debug' });
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger, backoff: TEST_BACKOFF, ...options });
    await online(true);
    return logger;
  }
  const getEdge = async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}`)).body;
  const online = (state: boolean) => waitFor(async () => (await getEdge()).online === state, `edge ${state ? 'online' : 'offline'}`);
  const auditOf = async (action: string) => (await test.api('GET', `/api/v1/audit?action=${action}`)).body.items as Array<{ actor: string; target: string; details: Record<string, unknown> }>;

  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    child = null;
    await speaker?.close();
    speaker = null;
    await test?.stop();
  });

  it('fetches the newest lines at a level and above, within a time range, as the box logged them', async () => {
    const logger = await start();
    const t0 = Date.now();
    // the daemon logs on its own meanwhile: the test's lines carry a mark
    for (let i = 0; i < 5; i++) logger.info({ mark: i }, 'routine line');
    logger.warn({ mark: 5, speaker: 'main' }, 'speaker did not answer <script>');
    logger.error({ mark: 6, code: 'E1' }, 'decoder failed');
    await new Promise((r) => setTimeout(r, 20));
    const t1 = Date.now();
    logger.error({ mark: 7 }, 'after the window');
    type Line = { msg: string; level: number; text: string };
    const marked = (lines: Line[]) => lines.filter((l) => JSON.parse(l.text).mark !== undefined).map((l) => l.msg);

    const warn = await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, { minLevel: 'warn', lines: 50 });
    expect(warn.status, JSON.stringify(warn.body)).toBe(200);
    expect(marked(warn.body.lines)).toEqual(['speaker did not answer <script>', 'decoder failed', 'after the window']);
    expect(warn.body.lines.every((l: Line) => l.level >= 40)).toBe(true);
    expect(warn.body).toMatchObject({ fileLogging: true, truncated: false, edgeId: edge.edgeId });
    const failed = warn.body.lines.find((l: Line) => l.msg === 'decoder failed');
    expect(failed).toMatchObject({ levelName: 'error', level: 50 });
    expect(JSON.parse(failed.text)).toMatchObject({ code: 'E1', name: 'sc-edge', pid: process.pid });

    const window = await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, { minLevel: 'info', from: t0, to: t1, lines: 100 });
    expect(marked(window.body.lines)).toEqual([...Array(5).fill('routine line'), 'speaker did not answer <script>', 'decoder failed']);
    expect(window.body.lines.every((l: { at: number }) => l.at >= t0 && l.at < t1)).toBe(true);

    const last = await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, { minLevel: 'error', from: t0, lines: 1 });
    expect(last.body.lines.map((l: Line) => l.msg)).toEqual(['after the window']);
    expect(last.body.truncated).toBe(true);

    const bad = await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, { minLevel: 'loud', from: 5, to: 1 });
    expect(bad.status).toBe(400);

    // a person who may not diagnose boxes is refused before the box is asked
    await test.api('POST', '/api/v1/users', { username: 'op-1', password: 'operator-password-1', role: 'operator', displayName: 'Operator', mustChangePassword: false });
    const operator = await test.login('op-1', 'operator-password-1');
    expect((await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, {}, operator)).status).toBe(403);
    expect((await test.api('POST', `/api/v1/edges/${edge.edgeId}/restart`, { reason: 'thử' }, operator)).status).toBe(403);
  }, 60_000);

  it('runs the doctor checks on the box and shows each result', async () => {
    await start();
    const res = await test.api('POST', `/api/v1/edges/${edge.edgeId}/doctor`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = Object.fromEntries(res.body.checks.map((c: { id: string }) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(expect.arrayContaining(['config', 'ffmpeg', 'disk', 'time', 'broker', 'credentials']));
    expect(byId.config).toMatchObject({ ok: true, vi: 'Cấu hình', detail: expect.stringContaining(edge.edgeId) });
    expect(byId.broker.ok).toBe(true);
    expect(byId.credentials).toMatchObject({ ok: true, detail: `valid for ${edge.edgeId}` });
    expect(byId.time.ok).toBe(true);
    expect(res.body.ok).toBe(res.body.checks.every((c: { ok: boolean }) => c.ok));
    expect(res.body.finishedAt).toBeGreaterThanOrEqual(res.body.startedAt);
  }, 60_000);

  it('restarts the daemon with a reason: audited, it exits with the restart code, and a new one reconnects and still has the logs', async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-4');
    const run = () => spawnEdgeCli(['run', '--data-dir', edge.dataDir], { SC_LOG_LEVEL: 'info' });
    child = run();
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    await online(true);

    const res = await test.api('POST', `/api/v1/edges/${edge.edgeId}/restart`, { reason: 'loa không phát sau khi mất điện' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ command: 'restart', forced: false, overrode: null });
    expect(await exited).toBe(EDGE_EXIT_RESTART);
    const [entry] = await auditOf('edge.restart');
    expect(entry).toMatchObject({ actor: 'admin', target: `edge:${edge.edgeId}`, details: { reason: 'loa không phát sau khi mất điện', force: false, outcome: 'done' } });
    await online(false);

    // what systemd or the supervisor does: start it again
    child = run();
    await online(true);
    const logs = await test.api('POST', `/api/v1/edges/${edge.edgeId}/logs`, { minLevel: 'warn', lines: 20 });
    const asked = logs.body.lines.find((l: { msg: string }) => l.msg === 'restart requested from the cloud');
    expect(JSON.parse(asked.text)).toMatchObject({ reason: 'loa không phát sau khi mất điện', requestedBy: 'admin', component: 'maintenance' });
    expect(logs.body.lines.map((l: { msg: string }) => l.msg)).toContain('restarting on request');
  }, 90_000);

  it('refuses to reboot while an emergency alert plays, reboots when forced, and audits both', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'sc-reboot-')), 'reboot.sh');
    const calls = `${script}.calls`;
    writeFileSync(script, `#!/bin/sh\necho "$@" >> "${calls}"\n`);
    chmodSync(script, 0o755);
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-4');
    patchEdgeConfig(edge.dataDir, { rebootCommand: [script, 'now'] });
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF });
    await online(true);
    speaker = await startSimSpeaker({});
    const config = await test.api('PUT', `/api/v1/edges/${edge.edgeId}/config`, {
      telemetryIntervalS: 10,
      radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
    });
    await waitFor(async () => (await test.api('GET', `/api/v1/edges/${edge.edgeId}/config`)).body.reported?.version === config.body.version, 'speakers configured');

    // nothing on air: a reboot goes through at once
    const quiet = await test.api('POST', `/api/v1/edges/${edge.edgeId}/reboot`, { reason: 'cập nhật hệ điều hành' });
    expect(quiet.status, JSON.stringify(quiet.body)).toBe(200);
    expect(readFileSync(calls, 'utf8')).toBe('now\n');

    const alert = await test.api('POST', '/api/v1/alerts', { text: 'Nước lên nhanh, bà con di chuyển lên chỗ cao.', severity: 'severe', kind: 'flood', targets: { hamlets: ['ap-4'] }, expiresAt: Date.now() + 3600_000 });
    expect(alert.status, JSON.stringify(alert.body)).toBeLessThan(300);
    await waitFor(() => daemon!.radio.player.status().playing?.occurrenceId.startsWith('alert:'), 'the alert playing on the box', 30_000);
    const playingTitle = daemon!.radio.player.status().playing!.title;

    const refused = await test.api('POST', `/api/v1/edges/${edge.edgeId}/reboot`, { reason: 'khởi động lại định kỳ' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'emergency_on_air', message: expect.stringContaining(`an emergency alert is on air ("${playingTitle}", playing now)`) });
    expect(readFileSync(calls, 'utf8')).toBe('now\n'); // not run

    const forced = await test.api('POST', `/api/v1/edges/${edge.edgeId}/reboot`, { reason: 'hộp treo, phải khởi động lại dù đang phát cảnh báo', force: true });
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body).toMatchObject({ forced: true, overrode: playingTitle });
    expect(readFileSync(calls, 'utf8')).toBe('now\nnow\n');

    const entries = (await auditOf('edge.reboot')).reverse(); // oldest first
    expect(entries.map((e) => e.details.outcome)).toEqual(['done', 'refused', 'done']);
    expect(entries[1]!.details).toMatchObject({ reason: 'khởi động lại định kỳ', force: false, error: 'emergency_on_air' });
    expect(entries[2]!.details).toMatchObject({ reason: 'hộp treo, phải khởi động lại dù đang phát cảnh báo', force: true, overrode: playingTitle });

    // a reboot command that fails is reported, not claimed done
    await daemon!.stop();
    patchEdgeConfig(edge.dataDir, { rebootCommand: ['/bin/sh', '-c', 'echo "Access denied" >&2; exit 1'] });
    daemon = await startEdgeDaemon({ dataDir: edge.dataDir, logger: silentLogger(), backoff: TEST_BACKOFF });
    await waitFor(() => daemon!.link.connected, 'reconnected');
    const broken = await waitFor(async () => {
      const res = await test.api('POST', `/api/v1/edges/${edge.edgeId}/reboot`, { reason: 'thử lệnh hỏng', force: true });
      return res.status === 409 && res.body.error.code === 'edge_offline' ? null : res;
    }, 'the box online again');
    expect(broken.status).toBe(502);
    expect(broken.body.error).toMatchObject({ code: 'reboot_failed', message: expect.stringContaining('Access denied') });
    const metrics = (await test.api('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toContain('sc_edge_maintenance_total{command="reboot",outcome="done"} 2');
    expect(metrics).toContain('sc_edge_maintenance_total{command="reboot",outcome="refused"} 1');
    expect(metrics).toContain('sc_edge_maintenance_total{command="reboot",outcome="failed"} 1');
  }, 120_000);

  it('tells a box too old for a command from one that does not answer, and answers commands newer than its contract', async () => {
    await start({ unknownCommands: ['logs', 'doctor', 'restart', 'reboot'] });
    const version = await waitFor(async () => (await getEdge()).telemetry?.softwareVersion, 'telemetry with the version');
    for (const [path, body] of [['logs', {}], ['doctor', undefined], ['restart', { reason: 'thử' }]] as const) {
      const res = await test.api('POST', `/api/v1/edges/${edge.edgeId}/${path}`, body);
      expect(res.status, path).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'edge_unsupported', message: `this box's version (${version}) does not support "${path}": update the box's software to use it` });
    }
    const [entry] = await auditOf('edge.restart');
    expect(entry!.details).toMatchObject({ outcome: 'failed', error: 'edge_unsupported' });

    // a command this box's contract has never heard of is answered at once, not left to time out
    const answers: Buffer[] = [];
    await test.cloud.broker.subscribe(topics.res(edge.edgeId, 'future-command'), (_t, p) => answers.push(p));
    await test.cloud.broker.publish(topics.req(edge.edgeId, 'future-command'), JSON.stringify({ transaction: 'tx-1', sentAt: Date.now(), body: {} }), { qos: 1, retain: false });
    await waitFor(() => answers.length > 0, 'an answer to the unknown command');
    expect(JSON.parse(answers[0]!.toString())).toMatchObject({ transaction: 'tx-1', ok: false, error: { code: 'unknown_command' } });
  }, 60_000);

  it('says a box is offline instead of waiting for it', async () => {
    await start();
    await daemon!.stop();
    daemon = null;
    await online(false);
    const res = await test.api('POST', `/api/v1/edges/${edge.edgeId}/doctor`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('edge_offline');
    const restart = await test.api('POST', `/api/v1/edges/${edge.edgeId}/restart`, { reason: 'thử khi mất kết nối' });
    expect(restart.body.error.code).toBe('edge_offline');
    const [entry] = await auditOf('edge.restart');
    expect(entry!.details).toMatchObject({ outcome: 'failed', error: 'edge_offline', reason: 'thử khi mất kết nối' });
    const metrics = (await test.api('GET', '/metrics', undefined, null)).body as string;
    expect(metrics).toContain('sc_edge_maintenance_total{command="doctor",outcome="offline"} 1');
    expect(metrics).toContain('sc_edge_maintenance_total{command="restart",outcome="offline"} 1');
    expect(existsSync(edge.dataDir)).toBe(true);
  }, 60_000);
});
