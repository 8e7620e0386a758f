/**
 * A real PostgreSQL for tests: `initdb` in a temporary directory, `pg_ctl` on 127.0.0.1 and a free
 * port (its unix socket in the same directory), one database per test, all stopped and removed at
 * the end, also when the test process exits early. Uses Debian's postgresql package
 * (/usr/lib/postgresql/<major>/bin; scripts/test installs it). As root (CI containers) the server
 * runs as the `postgres` account, since PostgreSQL refuses to run as root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface PostgresCluster {
  port: number;
  /** Address of one database of the cluster. */
  url(database: string): string;
  /** Creates a new empty database (or a copy of `template`) and returns its address. */
  createDatabase(template?: string): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): void;
}

const SUPERUSER = 'sc';

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && Number(v) >= 15) : [];
  if (majors.length === 0) throw new Error('PostgreSQL 15 or newer is not installed: apt-get install postgresql (scripts/test does it)');
  return join(root, majors.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

/** As root, PostgreSQL's programs run as the postgres account; otherwise as the current user. */
function runAs(): { account: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const account = process.env.SC_TEST_POSTGRES_ACCOUNT ?? 'postgres';
  const id = (flag: string) => Number(execFileSync('id', [flag, account]).toString().trim());
  return { account, uid: id('-u'), gid: id('-g') };
}

function run(bin: string, args: string[], as: ReturnType<typeof runAs>): void {
  const [cmd, argv] = as ? ['runuser', ['-u', as.account, '--', bin, ...args]] : [bin, args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

let counter = 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Clusters left by a test process that was killed outright (SIGKILL, a crashed worker: no exit
 * handler ran) are stopped and removed by the next start: each cluster's directory names the
 * process that owns it, and one whose owner is gone is an orphan.
 */
function reapOrphans(bin: string, as: ReturnType<typeof runAs>): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('sc-pg-')) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (!Number.isInteger(owner) || alive(owner)) continue;
    if (existsSync(join(dir, 'data', 'postmaster.pid'))) spawnSync(...pgCtl(as, bin, ['stop', '-D', join(dir, 'data'), '-m', 'immediate', '-w']), { timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a throw-away cluster; about a second. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  const as = runAs();
  reapOrphans(bin, as);
  const dir = mkdtempSync(join(tmpdir(), 'sc-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  const cleanup = () => {
    if (existsSync(join(data, 'postmaster.pid'))) spawnSync(...pgCtl(as, bin, ['stop', '-D', data, '-m', 'immediate', '-w']), { timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  // a crashed or interrupted test process still stops its server and removes its files
  const onExit = () => cleanup();
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    mkdirSync(socket);
    writeFileSync(join(dir, 'owner.pid'), String(process.pid));
    if (as) {
      chownSync(dir, as.uid, as.gid);
      chownSync(socket, as.uid, as.gid);
    }
    // fsync off and no sync at initdb: a test cluster trades durability for speed
    run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], as);
    const port = await freePort();
    const options = `-h 127.0.0.1 -p ${port} -k ${socket} -F -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=100`;
    run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', options], as);
    const url = (database: string) => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
    return {
      port,
      url,
      async createDatabase(template?: string) {
        const name = `t${process.pid}_${++counter}`;
        const client = new pg.Client({ connectionString: url('postgres') });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop() {
        process.off('exit', onExit);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        cleanup();
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

function pgCtl(as: ReturnType<typeof runAs>, bin: string, args: string[]): [string, string[]] {
  return as ? ['runuser', ['-u', as.account, '--', join(bin, 'pg_ctl'), ...args]] : [join(bin, 'pg_ctl'), args];
}
