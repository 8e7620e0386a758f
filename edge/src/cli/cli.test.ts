import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, runEdgeCli, spawnEdgeCli, type ProvisionedEdge } from '../../../test-support/edge.js';
import { waitFor } from '../../../test-support/wait.js';
import { EDGE_VERSION } from '../version.js';

describe('sc-edge, the technician\'s command line', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  beforeAll(async () => {
    test = await startTestCloud();
    edge = await provisionTestEdge(test, 'ap-2');
  });
  afterAll(() => test.stop());

  it('provision explains a bad token and an unreachable cloud, with exit code 2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-cli-'));
    const used = await runEdgeCli(['provision', '--cloud', test.cloud.httpUrl, '--token', 'a'.repeat(43), '--data-dir', dataDir]);
    expect(used.code).toBe(2);
    expect(used.stderr).toMatch(/claim token is not valid/);
    const unreachable = await runEdgeCli(['provision', '--cloud', 'http://127.0.0.1:1', '--token', 'a'.repeat(43), '--data-dir', dataDir]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach the cloud/);
  });

  it('run refuses an invalid config naming the wrong field, and a missing one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-edge-cli-'));
    const missing = await runEdgeCli(['run', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not found .*provision the box first/);
    writeFileSync(join(dataDir, 'edge.json'), JSON.stringify({ edgeId: 'edg_x1', name: 'x', hamletCode: 'ap-1', cloudUrl: 'not a url', mqttUrl: 'mqtt://127.0.0.1:1883', telemetryIntervalS: 10, provisionedAt: 1 }));
    const invalid = await runEdgeCli(['run', '--data-dir', dataDir]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/invalid edge config .*cloudUrl/);
  });

  it('status shows connection and clock offset of a running daemon; doctor checks everything and passes', async () => {
    const daemon = spawnEdgeCli(['run', '--data-dir', edge.dataDir]);
    let daemonOutput = '';
    for (const stream of [daemon.stdout, daemon.stderr]) stream?.on('data', (d: Buffer) => (daemonOutput += d.toString()));
    try {
      const status = await waitFor(async () => {
        if (daemon.exitCode !== null) throw new Error(`the daemon exited with ${daemon.exitCode}: ${daemonOutput}`);
        const res = await runEdgeCli(['status', '--data-dir', edge.dataDir, '--json']);
        if (res.code !== 0 && res.code !== 3) throw new Error(`sc-edge status failed with ${res.code}: ${res.stderr}`);
        const body = JSON.parse(res.stdout);
        return res.code === 0 && body.clock ? body : null;
      }, 'status connected with a clock reading', 40_000);
      expect(status.link.state).toBe('connected');
      expect(status).toMatchObject({ uploadsPending: 0, cameras: [] }); // a box without cameras
      expect(Math.abs(status.clock.offsetMs)).toBeLessThan(1000);
      const human = await runEdgeCli(['status', '--data-dir', edge.dataDir]);
      expect(human.stdout).toMatch(/Kết nối \/ Connection: connected/);
      expect(human.stdout).toContain('Xem trực tiếp / Live view: tắt (đặt liveView.password trong edge.json)'); // this box has none
      // the cloud announced its contract (retained on broadcast/contract): both revisions are shown
      expect(status.cloudContract).toMatchObject({ version: CONTRACT_VERSION, features: expect.arrayContaining(['documents.tolerant']) });
      expect(human.stdout).toContain(`Phiên bản giao thức / Contract revision: tủ / box ${CONTRACT_VERSION}, máy chủ ${CONTRACT_VERSION}`);

      const doctor = await runEdgeCli(['doctor', '--data-dir', edge.dataDir, '--json']);
      const checks = JSON.parse(doctor.stdout) as { id: string; ok: boolean; detail: string }[];
      expect(checks.map((c) => c.id).sort()).toEqual(['aplay', 'broker', 'config', 'credentials', 'disk', 'espeak-ng', 'ffmpeg', 'time']);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(doctor.code).toBe(0);
    } finally {
      const exited = new Promise((r) => (daemon.exitCode === null ? daemon.once('exit', r) : r(null)));
      daemon.kill('SIGTERM');
      await exited;
    }
    const stopped = await runEdgeCli(['status', '--data-dir', edge.dataDir]);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toMatch(/không chạy \/ not running/);
  }, 60_000);

  it('doctor fails with a non-zero exit when the credentials were revoked', async () => {
    await test.api('POST', `/api/v1/edges/${edge.edgeId}/revoke`);
    const doctor = await runEdgeCli(['doctor', '--data-dir', edge.dataDir]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✘ Thông tin xác thực \/ Credentials: .*revoked/);
  });

  it('runs from a checkout as `npx sc-edge`, the way the README shows', async () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)('npx', ['sc-edge', '--version'], { cwd: root });
    expect(stdout.trim()).toBe(EDGE_VERSION);
  });

  it('detect prints the people and vehicles on a camera frame, and names a missing model', async () => {
    const frame = new URL('../../../../shared/media/vtest-frame-10s.jpg', import.meta.url).pathname;
    const models = new URL('../../../../shared/models', import.meta.url).pathname;
    const result = await runEdgeCli(['detect', frame, '--model', models, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n')[0]!) as { detections: { label: string; score: number; box: { x: number; width: number } }[] };
    const labels = report.detections.map((d) => d.label);
    expect(labels.filter((l) => l === 'person').length).toBeGreaterThanOrEqual(5);
    expect(labels.filter((l) => l === 'car' || l === 'truck').length).toBeGreaterThanOrEqual(2);
    // without SC_MODEL_DIR a checkout finds ../shared/models beside it, as the README says
    const found = await runEdgeCli(['detect', frame, '--json'], { SC_MODEL_DIR: '' });
    expect(found.stderr).toBe('');
    expect(JSON.parse(found.stdout.trim().split('\n')[0]!)).toEqual(report);
    const missing = await runEdgeCli(['detect', frame, '--model', '/nonexistent-models']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent-models');
  });
});
