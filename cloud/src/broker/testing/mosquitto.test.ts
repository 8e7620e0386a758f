import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerArgs, mosquitto } from '../../../../test-support/mosquitto.js';
import { startMosquitto, type TestMosquitto } from './mosquitto.js';

/** mosquitto_ctrl as the cloud's admin: proves the admin account administers dynamic security. */
function ctrl(broker: TestMosquitto, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(broker.port), '-u', broker.adminUsername, '-P', broker.adminPassword, 'dynsec', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const readRetained = async (broker: TestMosquitto, topic: string) =>
  mosquitto('mosquitto_sub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', topic, '-C', '1', '-W', '3']);

describe('the test Mosquitto (Debian mosquitto 2 with dynamic security)', () => {
  let broker: TestMosquitto | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('lets the admin publish and read sc/# and administer dynsec; refuses anonymous clients', async () => {
    broker = await startMosquitto();
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const pub = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', 'sc/v1/x', '-m', 'hello', '-r', '-q', '1']);
    expect(pub.code, pub.stderr).toBe(0);
    expect((await readRetained(broker, 'sc/v1/x')).stdout.trim()).toBe('hello');

    // shared subscriptions for several cloud processes
    const admin = brokerArgs(broker.url, broker.adminUsername, broker.adminPassword);
    const shared = mosquitto('mosquitto_sub', [...admin, '-t', '$share/cloud/sc/v1/shared/#', '-C', '1', '-W', '4']);
    await new Promise((r) => setTimeout(r, 300));
    await mosquitto('mosquitto_pub', [...admin, '-t', 'sc/v1/shared/a', '-m', 'once', '-q', '1']);
    expect((await shared).stdout.trim()).toBe('once');

    const anonymous = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url), '-t', 'sc/v1/x', '-m', 'nope']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/not authori[sz]ed/i);
    const wrong = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, 'wrong'), '-t', 'sc/v1/x', '-m', 'nope']);
    expect(wrong.code).not.toBe(0);

    expect(ctrl(broker, ['createClient', 'box-1', '-p', 'box-secret']).code).toBe(0);
    const list = ctrl(broker, ['listClients']);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain('box-1');
    expect(list.out).toContain(broker.adminUsername);
    // a client with no role may connect but is denied everything by the default ACL access
    const sub = await mosquitto('mosquitto_sub', [...brokerArgs(broker.url, 'box-1', 'box-secret'), '-t', 'sc/v1/x', '-C', '1', '-W', '2']);
    expect(sub.stdout).not.toContain('hello');
  });

  it('keeps retained messages and accounts across restart(), kill() + restart(), and can lose its accounts on purpose', async () => {
    broker = await startMosquitto();
    const port = broker.port;
    const firstPid = broker.pid();
    await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', 'sc/v1/kept', '-m', 'v1', '-r', '-q', '1']);
    expect(ctrl(broker, ['createClient', 'box-2', '-p', 'box-secret']).code).toBe(0);

    await broker.restart();
    expect(broker.port).toBe(port);
    expect(broker.pid()).not.toBe(firstPid);
    expect((await readRetained(broker, 'sc/v1/kept')).stdout.trim()).toBe('v1');

    await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', 'sc/v1/kept', '-m', 'v2', '-r', '-q', '1']);
    await new Promise((r) => setTimeout(r, 2_100)); // one autosave interval (1 s) and a margin
    await broker.kill();
    const down = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url, broker.adminUsername, broker.adminPassword), '-t', 'sc/v1/y', '-m', 'z']);
    expect(down.code).not.toBe(0);
    await broker.restart();
    expect((await readRetained(broker, 'sc/v1/kept')).stdout.trim()).toBe('v2');
    expect(ctrl(broker, ['listClients']).out).toContain('box-2');

    await broker.restart({ emptyDynsec: true });
    const list = ctrl(broker, ['listClients']);
    expect(list.out).not.toContain('box-2');
    expect(list.out).toContain(broker.adminUsername);
    expect((await readRetained(broker, 'sc/v1/kept')).stdout.trim()).toBe('v2');

    const dir = broker.dir;
    await broker.stop();
    expect(existsSync(dir)).toBe(false);
    broker = undefined;
  }, 30_000);

  it('starts a bare broker without dynamic security for comparisons', async () => {
    broker = await startMosquitto({ dynsec: false });
    const pub = await mosquitto('mosquitto_pub', [...brokerArgs(broker.url), '-t', 'sc/v1/bare', '-m', 'b', '-r']);
    expect(pub.code, pub.stderr).toBe(0);
    const sub = await mosquitto('mosquitto_sub', [...brokerArgs(broker.url), '-t', 'sc/v1/bare', '-C', '1', '-W', '3']);
    expect(sub.stdout.trim()).toBe('b');
  });
});
