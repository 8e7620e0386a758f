import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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

  it('refuses SC_DATABASE_URL, which this version cannot use yet, rather than run on SQLite unnoticed', async () => {
    const refused = await run([], { SC_DATABASE_URL: 'postgres://sc@127.0.0.1:1/none', SC_HTTP_PORT: '0', SC_MQTT_PORT: '0' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^SC_DATABASE_URL: this version stores its data in SQLite only/);
    const wrong = await run([], { SC_DATABASE_URL: 'mysql://x/y' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('SC_DATABASE_URL: must be a postgres:// address');
  });

  it('names a migrate-data usage mistake with exit code 2', async () => {
    const wrong = await run(['migrate-data', '--from', 'cloud.db', '--to', 'postgres://h/d']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^--from: must be sqlite:PATH/);
  });
});
