import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { acquirePostgres, releasePostgres } from '../../test-support/databases.js';
import { freePort } from '../../test-support/ports.js';
import { waitFor } from '../../test-support/wait.js';
import { sharedSecretsEnv } from '../../test-support/shared-secrets.js';
import { CLOUD_VERSION } from './version.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)('npx', ['sc-cloud', ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

describe('sc-cloud from a checkout (npx sc-cloud, as the README shows)', () => {
  it('prints its version, and its help with every variable and its default, without starting', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${CLOUD_VERSION}\n`, stderr: '' });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+SC_HTTP_PORT\s+8080$/m);
    expect(help.stdout).toMatch(/^\s+SC_PUBLIC_URL\s+\(unset\)$/m);
  });

  it('refuses an argument it does not know, naming it, with exit code 2', async () => {
    const wrong = await run(['--port', '9000']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"--port" "9000"');
  });

  it('refuses an SC_DATABASE_URL that is not a postgres:// address, and names an unreachable PostgreSQL with the password hidden', async () => {
    const wrong = await run([], { SC_DATABASE_URL: 'mysql://x/y' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('SC_DATABASE_URL: must be a postgres:// address');
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-cli-'));
    try {
      const port = await freePort(); // nothing listens there
      const down = await run([], { SC_DATABASE_URL: `postgres://sc:secret-pw@127.0.0.1:${port}/none`, SC_DATA_DIR: dataDir, SC_HTTP_PORT: '0', SC_MQTT_PORT: '0', SC_LOG_LEVEL: 'silent', ...sharedSecretsEnv(dataDir) });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(`SC_DATABASE_URL: PostgreSQL at postgres://sc:***@127.0.0.1:${port}/none could not be opened and migrated`);
      expect(down.stderr).not.toContain('secret-pw');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('names a migrate-data usage mistake with exit code 2', async () => {
    const wrong = await run(['migrate-data', '--from', 'cloud.db', '--to', 'postgres://h/d']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^--from: must be sqlite:PATH/);
  });

  it('names a dynsec-file usage mistake with exit code 2, and a refused write with exit code 1', async () => {
    const wrong = await run(['dynsec-file', '--keep-from', 'x.json']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^--out is required/);
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-cli-dynsec-'));
    try {
      // no admin credential to put in the file: neither --keep-from nor SC_MQTT_URL
      const refused = await run(['dynsec-file', '--out', join(dataDir, 'dynamic-security.json')], { SC_DATA_DIR: dataDir, SC_LOG_LEVEL: 'silent' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^dynsec-file refused: .*admin credential is needed/);
      expect(existsSync(join(dataDir, 'dynamic-security.json'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('sc-cloud on PostgreSQL (SC_DATABASE_URL)', () => {
  afterAll(() => releasePostgres());

  it('starts on a real PostgreSQL, migrates it, and answers /healthz naming the database', async () => {
    const cluster = await acquirePostgres();
    const url = await cluster.createDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-cli-pg-'));
    const httpPort = await freePort();
    // the program npx sc-cloud runs, without npm in between: SIGTERM reaches the cloud itself
    const child = spawn(process.execPath, [join(ROOT, 'cloud/bin/sc-cloud.js')], {
      cwd: ROOT,
      env: { ...process.env, SC_DATABASE_URL: url, SC_DATA_DIR: dataDir, SC_HTTP_HOST: '127.0.0.1', SC_HTTP_PORT: String(httpPort), SC_MQTT_HOST: '127.0.0.1', SC_MQTT_PORT: String(await freePort()), SC_ADMIN_PASSWORD: 'cli-test-password', SC_LOG_LEVEL: 'warn', ...sharedSecretsEnv(dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let health: { status: string; database: string } | undefined;
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`sc-cloud exited ${child.exitCode}: ${output}`);
        health = (await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((res) => (res.ok ? res.json() : undefined), () => undefined)) as typeof health;
        return health !== undefined;
      }, 'sc-cloud answering /healthz on PostgreSQL', 45_000);
      expect(health).toMatchObject({ status: 'ok', database: 'postgres' });
      // the data is in PostgreSQL, not in a SQLite file beside it
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const admins = await client.query("SELECT username FROM users WHERE role = 'admin'");
        expect(admins.rows).toEqual([{ username: 'admin' }]);
      } finally {
        await client.end();
      }
      expect(existsSync(join(dataDir, 'cloud.db'))).toBe(false);
      // SIGTERM: a clean stop, pool closed
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
