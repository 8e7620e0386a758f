import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonFile } from './durable.js';
import { requestSwitch } from './daemon-side.js';
import { healthReportSchema, lastFailureSchema, supervisorStateSchema } from './protocol.js';
import { POWER_CUT_POINTS, type PowerCutPoint } from './power-cut.js';
import { createFakeHome, waitUntil, type FakeHome } from './testing/fake-versions.js';

/**
 * Power cuts at each step of a switch: the real sc-edge-supervisor binary (the build, as systemd runs
 * it, without systemd) is started in its own process group; at the chosen step it SIGKILLs the whole
 * group (itself and the daemon), as a power cut would. A fresh supervisor must then converge to a
 * state with no trial and a working version running.
 */
const CLI = fileURLToPath(new URL('../../dist/supervisor/cli.js', import.meta.url));

const groups: ChildProcess[] = [];
const homes: FakeHome[] = [];
afterEach(() => {
  for (const child of groups.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const h of homes.splice(0)) rmSync(h.layout.home, { recursive: true, force: true });
});

function startSupervisor(home: FakeHome, cutAt?: PowerCutPoint): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'run', '--home', home.layout.home], {
    detached: true, // its own process group: the "power cut" takes it and its daemon
    stdio: 'ignore',
    env: { ...process.env, SC_LOG_LEVEL: 'warn', SC_SUPERVISOR_HEALTH_TIMEOUT_S: '2', SC_SUPERVISOR_CRASH_LIMIT: '2', ...(cutAt ? { SC_SUPERVISOR_TEST_POWER_CUT_AT: cutAt } : {}) },
  });
  groups.push(child);
  return child;
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

const state = (home: FakeHome) => readJsonFile(home.layout.state, supervisorStateSchema)!;

/** Where a cut at each step must end: the new version kept once proven or recorded as the way forward, else the old one. */
const expected: Record<PowerCutPoint, { newVersion: 'good' | 'crash'; current: '1.0.0' | '2.0.0'; reason?: string }> = {
  'request-seen': { newVersion: 'good', current: '2.0.0' },
  'trial-recorded': { newVersion: 'good', current: '1.0.0', reason: 'interrupted' },
  'trial-started': { newVersion: 'good', current: '1.0.0', reason: 'interrupted' },
  'healthy-seen': { newVersion: 'good', current: '2.0.0' },
  committed: { newVersion: 'good', current: '2.0.0' },
  'failure-recorded': { newVersion: 'crash', current: '1.0.0', reason: 'crash_loop' },
  'rolled-back': { newVersion: 'crash', current: '1.0.0', reason: 'crash_loop' },
};

describe('power cut at each step of a switch', () => {
  it.each(POWER_CUT_POINTS)('%s: the next start runs a working version', async (point) => {
    const want = expected[point];
    const home = createFakeHome();
    homes.push(home);
    home.install('1.0.0', 'good');
    home.install('2.0.0', want.newVersion);
    home.setCurrent('1.0.0');
    // leftovers of earlier cuts: half an install and a torn temporary state file
    mkdirSync(join(home.layout.releases, '.incoming-123-4'), { recursive: true });
    writeFileSync(`${home.layout.state}.999.tmp`, '{"format":1,"cur');

    const first = startSupervisor(home, point);
    await waitUntil('1.0.0 running', () => home.runs().at(-1)?.version === '1.0.0');
    const startedAt = Date.now();
    requestSwitch(home.layout, { version: '2.0.0', rolloutId: 'ro-9' });
    await waitUntil('the power cut', () => first.exitCode !== null || first.signalCode !== null, 20_000);
    expect(first.signalCode).toBe('SIGKILL');
    await waitUntil('every process of the box gone', () => !groupAlive(first));

    const runsBefore = home.runs().length;
    const second = startSupervisor(home);
    const settled = await waitUntil(
      'a settled state with its version running and healthy',
      () => {
        const s = state(home);
        if (s.trial) return null;
        const health = readJsonFile(home.layout.health(s.current), healthReportSchema);
        const last = home.runs().at(-1);
        return health && health.at > startedAt && home.runs().length > runsBefore && last?.version === s.current && health.pid === last.pid ? s : null;
      },
      20_000,
    );
    expect(settled.current).toBe(want.current);
    const failure = readJsonFile(home.layout.lastFailure, lastFailureSchema);
    if (want.reason) expect(failure).toMatchObject({ version: '2.0.0', from: '1.0.0', reason: want.reason, rolloutId: 'ro-9' });
    else expect(failure).toBeNull();
    if (want.reason === 'crash_loop') expect(failure!.logTail).toContain('boom: 2.0.0 cannot open its database');
    expect(existsSync(home.layout.switchRequest)).toBe(false);
    expect(existsSync(join(home.layout.releases, '.incoming-123-4'))).toBe(false);
    expect(groupAlive(second)).toBe(true);
  });

  it('a supervisor killed alone: the next one stops the orphaned daemon before starting its own', async () => {
    const home = createFakeHome();
    homes.push(home);
    home.install('1.0.0', 'good');
    home.setCurrent('1.0.0');
    const first = startSupervisor(home);
    const orphan = await waitUntil('1.0.0 running', () => home.runs().at(-1));
    process.kill(first.pid!, 'SIGKILL'); // the supervisor only, its daemon keeps running
    await waitUntil('the supervisor gone', () => first.exitCode !== null || first.signalCode !== null);
    expect(() => process.kill(orphan.pid, 0)).not.toThrow();
    startSupervisor(home);
    await waitUntil('a new daemon', () => home.runs().length === 2);
    await waitUntil('the orphan stopped', () => {
      try {
        process.kill(orphan.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  });
});
