import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIP, MODEL_DIR } from '../../../edge/src/vision/testing/media.js';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { provisionTestEdge, spawnEdgeCli, type ProvisionedEdge } from '../../../test-support/edge.js';
import { freePort } from '../../../test-support/ports.js';
import { waitFor } from '../../../test-support/wait.js';
import { startSimCamera, type SimCamera } from '../cameras/index.js';

interface EdgeIncidentRow {
  id: string;
  clip_state: string;
}

/** What the box itself recorded, read from its SQLite file as it is on disk. */
function incidentsOnBox(dataDir: string): EdgeIncidentRow[] {
  const db = new Database(join(dataDir, 'edge.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, clip_state FROM incidents ORDER BY created_at').all() as EdgeIncidentRow[];
  } finally {
    db.close();
  }
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('incidents made while the cloud is down, and before a SIGKILL, arrive once', () => {
  let test: TestCloud;
  let edge: ProvisionedEdge;
  let camera: SimCamera;
  let box: ChildProcess | undefined;
  let ports: { SC_HTTP_PORT: number; SC_MQTT_PORT: number };
  const runBox = () => spawnEdgeCli(['run', '--data-dir', edge.dataDir], { SC_MODEL_DIR: MODEL_DIR });
  const cloudIncidents = async () => (await test.api('GET', `/api/v1/incidents?edge=${edge.edgeId}&limit=200`)).body.items as { id: string; clip: { verified: boolean } | null; snapshot: { verified: boolean } | null }[];

  beforeAll(async () => {
    ports = { SC_HTTP_PORT: await freePort(), SC_MQTT_PORT: await freePort() };
    test = await startTestCloud(ports);
    edge = await provisionTestEdge(test, 'ap-4');
    camera = await startSimCamera({ name: 'Bến đò', hamlet: 'ap-4', username: 'admin', password: 'admin', clip: CLIP, ports: { multicast: null } });
    const added = await test.api('POST', `/api/v1/edges/${edge.edgeId}/cameras`, {
      id: 'ben-do',
      name: 'Bến đò',
      source: { kind: 'rtsp', url: camera.rtspUrl },
      record: { preCaptureSeconds: 2, postCaptureSeconds: 2 },
      // people walk by all the time in the clip: short items, so several close (and continue) during the outage
      review: { closeAfterSeconds: 5, maxSeconds: 30 },
      rules: [{ id: 'nguoi', name: 'Có người', classes: ['person'] }],
    });
    expect(added.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    box?.kill('SIGKILL');
    await camera?.stop();
    await test?.stop();
  });

  it('keeps them in the box through a cloud outage and a SIGKILL, then delivers each incident and its media exactly once', async () => {
    box = runBox();
    await waitFor(async () => (await cloudIncidents()).length > 0, 'a first incident while the cloud is up', 90_000, 500);

    const dataDir = test.dataDir;
    await test.stop({ keepData: true });
    const before = new Set(incidentsOnBox(edge.dataDir).map((row) => row.id));
    await waitFor(
      () => {
        const made = incidentsOnBox(edge.dataDir).filter((row) => !before.has(row.id));
        return made.length >= 2 && made.some((row) => row.clip_state === 'written');
      },
      'incidents made while the cloud is down, one with its clip written',
      90_000,
      500,
    );
    box.kill('SIGKILL');
    await killed(box);
    const onBox = incidentsOnBox(edge.dataDir);

    test = await startTestCloud(ports, dataDir);
    expect((await cloudIncidents()).length).toBeLessThan(onBox.length); // the outage ones are not there yet
    box = runBox();
    const delivered = await waitFor(
      async () => {
        const incidents = await cloudIncidents();
        const known = new Set(incidents.map((i) => i.id));
        return onBox.every((row) => known.has(row.id)) ? incidents : null;
      },
      'every incident of the box in the cloud',
      90_000,
      500,
    );
    const ids = delivered.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length); // once each, however often the outbox resent
    // a clip written before the kill reaches the cloud verified; one cut short by the kill is reported without one
    const written = onBox.filter((row) => row.clip_state === 'written').map((row) => row.id);
    expect(written.length).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const byId = new Map((await cloudIncidents()).map((i) => [i.id, i]));
        return written.every((id) => byId.get(id)?.clip?.verified && byId.get(id)?.snapshot?.verified);
      },
      'the media of every incident written before the kill, verified',
      60_000,
      500,
    );
    const recovered = incidentsOnBox(edge.dataDir).filter((row) => onBox.some((b) => b.id === row.id));
    expect(recovered.every((row) => row.clip_state !== 'recording')).toBe(true);
  }, 300_000);
});
