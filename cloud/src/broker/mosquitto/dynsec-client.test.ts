import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { startMosquitto, type TestMosquitto } from '../testing/mosquitto.js';
import { DynsecAdmin, DynsecCommandError, DynsecTimeoutError } from './dynsec-client.js';

describe('the dynamic security admin client, against a real Mosquitto', () => {
  let broker: TestMosquitto | undefined;
  let admin: DynsecAdmin | undefined;
  afterEach(async () => {
    await admin?.close();
    await broker?.stop();
    admin = undefined;
    broker = undefined;
  });

  it('answers each command of a batch in order, across batches, and names a refused command in its error', async () => {
    broker = await startMosquitto();
    admin = await DynsecAdmin.connect({ url: broker.url, username: broker.adminUsername, password: broker.adminPassword, logger: silentLogger(), batchSize: 3 });
    const commands = Array.from({ length: 7 }, (_, i) => ({ command: 'createClient', username: `box-${i}`, password: 'pw' }));
    const results = await admin.run([...commands, { command: 'createClient', username: 'box-0', password: 'pw' }]);
    expect(results.map((r) => r.error ?? 'ok')).toEqual([...commands.map(() => 'ok'), 'Client already exists']);
    const error = await admin.runOrThrow([{ command: 'getClient', username: 'box-1' }, { command: 'deleteRole', rolename: 'nobody' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynsecCommandError);
    expect((error as Error).message).toMatch(/deleteRole \(nobody\): .*not found/i);
    const [list] = await admin.runOrThrow([{ command: 'listClients', verbose: false }]);
    expect((list!.data as { totalCount: number }).totalCount).toBe(8);
  });

  it('times out naming the command when nothing answers (no plugin loaded)', async () => {
    broker = await startMosquitto({ dynsec: false });
    admin = await DynsecAdmin.connect({ url: broker.url, username: 'x', password: 'y', logger: silentLogger(), timeoutMs: 300 });
    const error = await admin.run([{ command: 'listClients' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynsecTimeoutError);
    expect((error as Error).message).toMatch(/listClients.*plugin loaded/);
  });

  it('runs onConnect again after the broker restarts', async () => {
    broker = await startMosquitto();
    let connections = 0;
    admin = await DynsecAdmin.connect({
      url: broker.url,
      username: broker.adminUsername,
      password: broker.adminPassword,
      logger: silentLogger(),
      onConnect: async () => {
        connections++;
      },
    });
    expect(connections).toBe(1);
    await broker.kill();
    await broker.restart();
    const deadline = Date.now() + 10_000;
    while (connections < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(2);
    // and the answers are subscribed again
    expect((await admin.runOrThrow([{ command: 'listRoles' }])).length).toBe(1);
  }, 20_000);
});
