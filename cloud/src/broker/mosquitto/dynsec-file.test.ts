import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startTestCloud, type TestCloud } from '../../../../test-support/cloud.js';
import { provisionTestEdge, type ProvisionedEdge } from '../../../../test-support/edge.js';
import { brokerArgs, mosquitto } from '../../../../test-support/mosquitto.js';
import { waitFor } from '../../../../test-support/wait.js';
import { parseCloudArgs } from '../../cli-usage.js';
import { loadCloudConfig } from '../../config.js';
import { openQueryDatabase } from '../../db/query/index.js';
import { DeviceCredentials } from '../../fleet/device-credentials.js';
import { loadSecretBox } from '../../secrets/secret-keys.js';
import { startMosquitto, type TestMosquitto } from '../testing/mosquitto.js';
import { MosquittoAccounts } from './box-accounts.js';
import { runDynsecFile } from './dynsec-file-cli.js';
import { buildDynsecFile, hashedPassword, parseDynsecConfig, passwordMatches } from './dynsec-file.js';
import { DynsecAdmin } from './dynsec-client.js';

/*
 * `sc-cloud dynsec-file` against the real thing: a cloud's claimed boxes written into a file that
 * Debian's Mosquitto 2.0.11 starts with, which then lets each box in with its own secret, enforces
 * its role, and which the cloud's reconcile finds in step. The hashing is checked both ways against
 * the plugin (its own createClient's entry verifies with ours).
 */

const secretOf = (edge: ProvisionedEdge) => (JSON.parse(readFileSync(join(edge.dataDir, 'credentials.json'), 'utf8')) as { password: string }).password;

describe('sc-cloud dynsec-file: a province broker provisioned from the database', () => {
  let broker: TestMosquitto;
  let test: TestCloud;
  let a: ProvisionedEdge;
  let b: ProvisionedEdge;
  const out = join(mkdtempSync(join(tmpdir(), 'sc-dynsec-file-')), 'dynamic-security.json');
  // the cloud's own configuration: the same data dir (database and secret key) as the test cloud
  const configOf = () => loadCloudConfig({}, { SC_DATA_DIR: test.dataDir });
  const canPublish = (edge: ProvisionedEdge, password = secretOf(edge)) =>
    mosquitto('mosquitto_pub', [...brokerArgs(broker.url, edge.edgeId, password, edge.edgeId), '-t', topics.telemetry(edge.edgeId), '-m', '{}']);

  beforeAll(async () => {
    broker = await startMosquitto();
    // the boxes are claimed on a cloud with its embedded broker: the Mosquitto learns of them only from the file
    test = await startTestCloud();
    a = await provisionTestEdge(test, 'ap-1');
    b = await provisionTestEdge(test, 'ap-2');
  }, 60_000);
  afterAll(async () => {
    await test?.stop();
    await broker?.stop();
    rmSync(join(out, '..'), { recursive: true, force: true });
  });

  it('parses its command line and names what is wrong', () => {
    expect(parseCloudArgs(['dynsec-file', '--out', '/x.json', '--keep-from', '/y.json'])).toEqual({ dynsecFile: { out: '/x.json', keepFrom: '/y.json', force: false } });
    expect(parseCloudArgs(['dynsec-file'])).toMatchObject({ error: expect.stringMatching(/--out is required/) });
    expect(parseCloudArgs(['dynsec-file', '--out'])).toMatchObject({ error: expect.stringMatching(/--out needs a file path/) });
    expect(parseCloudArgs(['dynsec-file', '--out', 'x', '--bogus'])).toMatchObject({ error: expect.stringMatching(/unknown argument "--bogus"/) });
  });

  it('writes every active box, keeps the broker\'s admin, and Mosquitto started with it lets each box in with its own secret only', async () => {
    expect((await canPublish(a)).code).not.toBe(0); // not on this broker yet
    const printed: string[] = [];
    const errors: string[] = [];
    const code = await runDynsecFile({ out, keepFrom: join(broker.dir, 'dynamic-security.json'), force: false }, configOf(), (t) => printed.push(t), (t) => errors.push(t));
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(printed.join('\n')).toMatch(/2 box account\(s\), kept sc-cloud-admin; default ACL access: deny/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // refuses to replace a file without --force
    expect(await runDynsecFile({ out, keepFrom: null, force: false }, configOf(), () => undefined, (t) => errors.push(t))).toBe(1);
    expect(errors.at(-1)).toMatch(/exists: add --force/);

    const file = parseDynsecConfig(readFileSync(out, 'utf8'), out);
    expect(file.defaultACLAccess).toEqual({ publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: true });
    expect(file.clients.map((c) => c.username).sort()).toEqual([a.edgeId, b.edgeId, broker.adminUsername].sort());

    await broker.kill();
    copyFileSync(out, join(broker.dir, 'dynamic-security.json'));
    await broker.restart();

    expect((await canPublish(a)).code).toBe(0);
    expect((await canPublish(b)).code).toBe(0);
    const wrong = await canPublish(a, secretOf(b));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/not authori[sz]ed/i);
    // the box's role: its own subtree and the broadcast tree, not another box's
    for (const filter of [topics.edgeSubtree(b.edgeId), 'sc/v1/#']) {
      const denied = await mosquitto('mosquitto_sub', [...brokerArgs(broker.url, a.edgeId, secretOf(a), a.edgeId), '-t', filter, '-C', '1', '-W', '2']);
      expect(denied.stderr + denied.stdout, filter).toMatch(/denied/i);
    }
    const own = mosquitto('mosquitto_sub', [...brokerArgs(broker.url, a.edgeId, secretOf(a), a.edgeId), '-t', topics.desired(a.edgeId, 'config'), '-C', '1', '-W', '5']);
    await new Promise((r) => setTimeout(r, 300));
    await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', topics.desired(a.edgeId, 'config'), '-m', 'for-a']);
    expect((await own).stdout.trim()).toBe('for-a');
  }, 30_000);

  it('is in step for the cloud: its reconcile creates, enables and disables nothing', async () => {
    const config = configOf();
    const query = await openQueryDatabase({ sqliteFile: join(config.SC_DATA_DIR, 'cloud.db') });
    const admin = await DynsecAdmin.connect({ url: broker.url, username: broker.adminUsername, password: broker.adminPassword, logger: silentLogger() });
    try {
      const accounts = new MosquittoAccounts({ admin, source: new DeviceCredentials(query, loadSecretBox(config)), keep: [broker.adminUsername], logger: silentLogger() });
      expect(await accounts.reconcile()).toMatchObject({ active: 2, created: 0, enabled: 0, disabled: 0, unrecoverable: [], rotated: 0 });
    } finally {
      await admin.close();
      await query.close();
    }
  });

  it('hashes passwords exactly as the plugin does: its own createClient entry verifies with ours', async () => {
    execFileSync('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(broker.port), '-u', broker.adminUsername, '-P', broker.adminPassword, 'dynsec', 'createClient', 'probe', '-p', 'pw-of-the-probe'], { stdio: 'ignore' });
    const probe = await waitFor(
      () => parseDynsecConfig(readFileSync(join(broker.dir, 'dynamic-security.json'), 'utf8'), 'broker file').clients.find((c) => c.username === 'probe'),
      'the plugin saved the probe client',
    );
    expect(probe.iterations).toBe(101);
    expect(Buffer.from(probe.salt!, 'base64')).toHaveLength(12);
    expect(passwordMatches(probe, 'pw-of-the-probe')).toBe(true);
    expect(passwordMatches(probe, 'another')).toBe(false);
    expect(hashedPassword('pw-of-the-probe', Buffer.from(probe.salt!, 'base64')).password).toBe(probe.password);
  });

  it('refuses a file with no administrator, and keeps an unsealed box\'s present account', () => {
    expect(() => buildDynsecFile({ accounts: [] })).toThrow(/admin credential is needed/);
    const existing = parseDynsecConfig(
      JSON.stringify({ clients: [{ username: 'old-box', roles: [{ rolename: 'sc-edge-old-box' }], password: 'h', salt: 's', iterations: 101 }, { username: 'ops', roles: [] }], roles: [{ rolename: 'sc-edge-old-box', acls: [] }], groups: [] }),
      'test',
    );
    const built = buildDynsecFile({ accounts: [{ edgeId: 'old-box', secret: null }, { edgeId: 'lost-box', secret: null }], existing });
    expect(built.config.clients.map((c) => c.username)).toEqual(['ops', 'old-box']);
    expect(built.unsealed).toEqual(['lost-box']);
    expect(() => parseDynsecConfig('{"clients": 1}', 'bad.json')).toThrow(/bad.json is not a dynamic security file/);
  });
});
