import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { startTestCloud, type TestCloud } from '../../../test-support/cloud.js';
import { claimTestEdge } from '../../../test-support/edge.js';
import { newSecretKeyBase64, secretKeyFromBase64 } from '../secrets/secret-box.js';

const PASSWORD = 'Camera-Pass-7731';
const EARLIER_PASSWORD = 'Old-Pass-19';
const CAMERA = { id: 'cho', name: 'Chợ Vị Tân', source: { kind: 'onvif', xaddr: 'http://192.168.1.64/onvif/device_service', username: 'admin', password: PASSWORD } };

/** Every byte SQLite keeps of the database, once the WAL is written back. */
function databaseBytes(test: TestCloud): Buffer {
  test.cloud.db.pragma('wal_checkpoint(TRUNCATE)');
  const file = join(test.dataDir, 'cloud.db');
  return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
}

/** The camera password in the config the box receives, as the box: over MQTT with its own credentials. */
async function passwordTheBoxReceives(test: TestCloud, edge: { edgeId: string; password: string }): Promise<unknown> {
  const client = await connectAsync(test.cloud.mqttUrl, { protocolVersion: 4, clientId: edge.edgeId, username: edge.edgeId, password: edge.password, reconnectPeriod: 0 });
  try {
    const received = new Promise<Buffer>((resolve) => client.on('message', (_topic, payload) => resolve(payload)));
    await client.subscribeAsync(topics.desired(edge.edgeId, 'config'), { qos: 1 });
    const config = JSON.parse((await received).toString()) as { body: { surveillance: { cameras: { source: { password: string } }[] } } };
    return config.body.surveillance.cameras[0]!.source.password;
  } finally {
    await client.endAsync();
  }
}

describe("cameras' passwords at rest", () => {
  let test: TestCloud | null = null;
  let dataDir = '';
  afterEach(async () => {
    await test?.stop();
    test = null;
    rmSync(dataDir, { recursive: true, force: true });
  });
  /** Stops the cloud keeping its data, and starts it again with these settings. */
  const restart = async (overrides: Parameters<typeof startTestCloud>[0] = {}) => {
    await test!.stop({ keepData: true });
    test = null;
    test = await startTestCloud(overrides, dataDir);
    return test;
  };

  it('are stored encrypted, absent from the database file, and still reach the box in clear', async () => {
    test = await startTestCloud();
    dataDir = test.dataDir;
    const edge = await claimTestEdge(test);
    expect((await test.request('POST', `/api/v1/edges/${edge.edgeId}/cameras`, CAMERA)).status).toBe(201);

    const bytes = databaseBytes(test);
    expect(bytes.includes(PASSWORD)).toBe(false);
    const keyId = secretKeyFromBase64(readFileSync(join(dataDir, 'keys', 'secret.key'), 'utf8'), 'file').id;
    expect(bytes.includes(`enc:v1:${keyId}:`)).toBe(true);
    expect(await passwordTheBoxReceives(test, edge)).toBe(PASSWORD);

    await restart(); // the retained config is published again from the database
    expect(await passwordTheBoxReceives(test!, edge)).toBe(PASSWORD);
  });

  it('stored in clear by an earlier version are encrypted at the next start, leaving no clear copy in the file', async () => {
    test = await startTestCloud();
    dataDir = test.dataDir;
    const edge = await claimTestEdge(test);
    expect((await test.request('POST', `/api/v1/edges/${edge.edgeId}/cameras`, CAMERA)).status).toBe(201);
    const { body } = (await test.cloud.fleet.documents.get(edge.edgeId, 'config'))!;
    await test.stop({ keepData: true });
    test = null;
    // the camera as the version before encryption stored it, in clear, and a row of another camera
    // since deleted, whose bytes SQLite leaves in its free space
    const old = new Database(join(dataDir, 'cloud.db'));
    old.prepare("UPDATE documents SET body = ? WHERE doc = 'config'").run(JSON.stringify(body));
    const withPassword = (password: string) => JSON.stringify(body).replace(PASSWORD, password);
    old.prepare("INSERT INTO documents (edge_id, doc, version, body, issued_at) VALUES (?, 'gone', 1, ?, 0)").run(edge.edgeId, withPassword(EARLIER_PASSWORD));
    old.prepare("DELETE FROM documents WHERE doc = 'gone'").run();
    old.close();
    const before = readFileSync(join(dataDir, 'cloud.db'));
    expect([before.includes(EARLIER_PASSWORD), before.includes(PASSWORD)]).toEqual([true, true]);

    test = await startTestCloud({}, dataDir);
    const after = databaseBytes(test);
    expect([after.includes(EARLIER_PASSWORD), after.includes(PASSWORD)]).toEqual([false, false]);
    expect(await passwordTheBoxReceives(test, edge)).toBe(PASSWORD);
    expect((await test.cloud.fleet.documents.get(edge.edgeId, 'config'))!.version).toBe(2); // the box's config did not change
  });

  it('are encrypted again with a new key given with the old one, after which the old key is no longer needed', async () => {
    const [oldKey, newKey] = [newSecretKeyBase64(), newSecretKeyBase64()];
    const [oldId, newId] = [secretKeyFromBase64(oldKey, 'old').id, secretKeyFromBase64(newKey, 'new').id];
    test = await startTestCloud({ SC_SECRET_KEY: oldKey });
    dataDir = test.dataDir;
    const edge = await claimTestEdge(test);
    await test.request('POST', `/api/v1/edges/${edge.edgeId}/cameras`, CAMERA);
    expect(databaseBytes(test).includes(`enc:v1:${oldId}:`)).toBe(true);

    await restart({ SC_SECRET_KEY: newKey, SC_SECRET_KEY_PREVIOUS: oldKey });
    const bytes = databaseBytes(test!);
    expect(bytes.includes(`enc:v1:${oldId}:`)).toBe(false);
    expect(bytes.includes(`enc:v1:${newId}:`)).toBe(true);

    await restart({ SC_SECRET_KEY: newKey });
    expect(await passwordTheBoxReceives(test!, edge)).toBe(PASSWORD);

    await test!.stop({ keepData: true });
    test = null;
    await expect(startTestCloud({ SC_SECRET_KEY: oldKey }, dataDir)).rejects.toThrow(`a value was encrypted with key ${newId}, which is neither the current key (${oldId})`);
  });
});
