import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VI_TAN } from '@smart-commune/shared';
import { freePort } from '../../test-support/ports.js';
import { waitFor } from '../../test-support/wait.js';
import { CloudClient } from './cloud-client.js';
import { startDemo } from './demo.js';

describe('the demo: the whole commune on one machine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-demo-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('provisions nine boxes through the claim flow, brings them online, and reuses their credentials on the next start', async () => {
    const ports = { httpPort: await freePort(), mqttPort: await freePort() };
    const liveViewPorts = await Promise.all(VI_TAN.hamlets.map(() => freePort()));
    const liveView = (i: number) => ({ port: liveViewPorts[i]!, password: 'xem-truc-tiep-demo' });
    const first = await startDemo({ dataDir, ...ports, print: () => undefined, cameraHamlets: ['ap-1'], liveView });
    let firstIds: string[];
    try {
      expect(first.edges).toHaveLength(9);
      expect(first.edges.every((e) => e.online)).toBe(true);
      expect(first.edges.map((e) => e.hamletName)).toEqual(VI_TAN.hamlets.map((h) => h.name));
      expect(first.admin.password).toBe(readFileSync(join(dataDir, 'cloud', 'admin-password.txt'), 'utf8').trim());
      firstIds = first.edges.map((e) => e.id).sort();
    } finally {
      await first.stop();
    }
    const credentials = readFileSync(join(dataDir, 'edges', 'ap-2a', 'credentials.json'), 'utf8');

    const lines: string[] = [];
    const second = await startDemo({ dataDir, ...ports, print: (line) => lines.push(line), cameraHamlets: ['ap-1'], liveView });
    try {
      expect(second.edges.map((e) => e.id).sort()).toEqual(firstIds);
      expect(second.edges.every((e) => e.online)).toBe(true);
      expect(lines.filter((l) => l.includes('reusing credentials'))).toHaveLength(9);
      expect(readFileSync(join(dataDir, 'edges', 'ap-2a', 'credentials.json'), 'utf8')).toBe(credentials);
      // Ấp 1's box follows its camera to the new address it got at this start, and analyses it
      const cloud = new CloudClient(second.cloudUrl);
      await cloud.login('admin', second.admin.password);
      const ap1 = second.edges.find((e) => e.hamletCode === 'ap-1')!;
      const camera = second.cameras!.byHamlet('ap-1')[0]!;
      await waitFor(async () => {
        const { cameras } = await cloud.request<{ cameras: { source: { xaddr: string }; live: { status: string } }[] }>('GET', `/api/v1/edges/${ap1.id}/cameras`);
        return cameras.length === 1 && cameras[0]!.source.xaddr === camera.onvifUrl && cameras[0]!.live.status === 'streaming';
      }, 'Ấp 1 camera streaming', 60_000, 500);
      // every hamlet's box drives its own simulated loudspeaker
      expect([...second.speakers.keys()].sort()).toEqual(VI_TAN.hamlets.map((h) => h.code).sort());
      for (const edge of second.edges) {
        const { body } = await cloud.request<{ body: { radio?: { speakers: { target: string }[] } } }>('GET', `/api/v1/edges/${edge.id}/config`);
        expect(body.radio?.speakers.map((s) => s.target)).toEqual(second.speakers.get(edge.hamletCode)!.configs.map((c) => c.target));
      }
      // its live view answers where the box says, behind the demo's password
      const { telemetry } = await cloud.request<{ telemetry: { liveView?: { urls: string[] } } }>('GET', `/api/v1/edges/${ap1.id}`);
      expect(telemetry.liveView?.urls).toEqual([`http://127.0.0.1:${liveViewPorts[0]}/`]);
      const login = await fetch(`${telemetry.liveView!.urls[0]}login`, { method: 'POST', body: new URLSearchParams({ password: 'xem-truc-tiep-demo' }), redirect: 'manual' });
      expect(login.status).toBe(303);

      // the console's restart and reboot: the demo starts the box again, as systemd would in a cabinet, and never reboots this machine
      for (const [hamlet, command] of [['ap-2a', 'restart'], ['ap-3', 'reboot']] as const) {
        const edge = second.edges.find((e) => e.hamletCode === hamlet)!;
        const before = second.processes.find((p) => p.name === `edge ${hamlet}`)!;
        await cloud.request('POST', `/api/v1/edges/${edge.id}/${command}`, { reason: 'thử trong bản chạy thử' });
        expect(await before.exited).toBe(command === 'restart' ? 79 : 0);
        await waitFor(() => second.processes.find((p) => p.name === `edge ${hamlet}`)!.child.pid !== before.child.pid, `${hamlet} started again`, 10_000);
        const restartedAt = Date.now();
        // online, and reporting from the new daemon (telemetry sent after it started)
        await waitFor(async () => {
          const now = await cloud.request<{ online: boolean; telemetryAt: number | null; telemetry: { uptimeS: { daemon: number } } | null }>('GET', `/api/v1/edges/${edge.id}`);
          return now.online && (now.telemetryAt ?? 0) > restartedAt && now.telemetry!.uptimeS.daemon < (Date.now() - restartedAt) / 1000 + 1;
        }, `${hamlet} online again`, 30_000);
      }
      expect(lines.filter((l) => /khởi động lại \/ restarting \(exit (79|0)\)/.test(l))).toHaveLength(2);
    } finally {
      await second.stop();
    }
    expect(second.processes.map((p) => [p.name, p.child.exitCode])).toEqual(second.processes.map((p) => [p.name, 0])); // clean SIGTERM shutdown
  }, 240_000);
});
