import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateReleaseKeyPair } from '@smart-commune/shared';
import { silentLogger } from '@smart-commune/shared/runtime';
import { readJsonFile } from './durable.js';
import { lastFailureSchema, supervisorStateSchema } from './protocol.js';
import { requestSwitch, unreportedFailure, markFailureReported } from './daemon-side.js';
import { Supervisor } from './supervisor.js';
import { createFakeHome, waitUntil, type FakeHome } from './testing/fake-versions.js';

const running: Supervisor[] = [];
const homes: FakeHome[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  for (const h of homes.splice(0)) rmSync(h.layout.home, { recursive: true, force: true });
});

function setup(): FakeHome {
  const home = createFakeHome();
  homes.push(home);
  return home;
}

function supervise(home: FakeHome, healthTimeoutMs = 2000): Supervisor {
  const supervisor = new Supervisor({
    home: home.layout.home,
    healthTimeoutMs,
    crashLimit: 3,
    verifyHashes: true,
    logger: silentLogger(),
    restart: { initialMs: 100, maxMs: 400 },
    trialRestartMs: 50,
    healthPollMs: 50,
    stopGraceMs: 2000,
    out: new PassThrough().resume(),
  });
  running.push(supervisor);
  void supervisor.start();
  return supervisor;
}

const state = (home: FakeHome) => readJsonFile(home.layout.state, supervisorStateSchema)!;
const failure = (home: FakeHome) => readJsonFile(home.layout.lastFailure, lastFailureSchema);
const lastRun = (home: FakeHome) => home.runs().at(-1);

describe('Supervisor', () => {
  it('runs the current release and restarts it after a crash', async () => {
    const home = setup();
    home.install('1.0.0', 'crash-once');
    home.setCurrent('1.0.0');
    supervise(home);
    const runs = await waitUntil('a second run', () => (home.runs().length >= 2 ? home.runs() : null));
    expect(runs.map((r) => r.version)).toEqual(['1.0.0', '1.0.0']);
    expect(runs[0]!.trial).toBe(false);
    expect(runs[1]!.pid).not.toBe(runs[0]!.pid);
  });

  it('switches to a healthy new version, keeps the old one as previous and removes older ones', async () => {
    const home = setup();
    home.install('0.9.0', 'good');
    home.install('1.0.0', 'good');
    home.install('1.1.0', 'good');
    home.setCurrent('1.0.0');
    supervise(home);
    await waitUntil('1.0.0 running', () => lastRun(home)?.version === '1.0.0');
    requestSwitch(home.layout, { version: '1.1.0', rolloutId: 'ro-1' });
    await waitUntil('1.1.0 confirmed', () => state(home).current === '1.1.0');
    expect(state(home)).toMatchObject({ current: '1.1.0', previous: '1.0.0', trial: null });
    expect(lastRun(home)).toMatchObject({ version: '1.1.0', trial: true });
    expect(existsSync(home.layout.switchRequest)).toBe(false);
    await waitUntil('0.9.0 removed', () => !existsSync(home.layout.releaseDir('0.9.0')));
    expect(existsSync(home.layout.releaseDir('1.0.0'))).toBe(true);
    expect(failure(home)).toBeNull();
  });

  it('goes back by itself when the new version never reports healthy, with its last log lines', async () => {
    const home = setup();
    home.install('1.0.0', 'good');
    home.install('1.1.0', 'unhealthy');
    home.setCurrent('1.0.0');
    supervise(home, 1500);
    await waitUntil('1.0.0 running', () => lastRun(home)?.version === '1.0.0');
    requestSwitch(home.layout, { version: '1.1.0', rolloutId: 'ro-2' });
    const f = await waitUntil('a failure', () => failure(home));
    expect(f).toMatchObject({ version: '1.1.0', from: '1.0.0', rolloutId: 'ro-2', reason: 'health_timeout', reportedAt: null });
    expect(f.detail).toContain('documents not applied');
    expect(f.logTail.join('\n')).toContain('"version":"1.1.0"');
    await waitUntil('1.0.0 running again', () => lastRun(home)?.version === '1.0.0' && home.runs().length === 3);
    expect(state(home)).toMatchObject({ current: '1.0.0', trial: null });
    // the old version's daemon reports it once
    expect(unreportedFailure(home.layout)?.version).toBe('1.1.0');
    markFailureReported(home.layout, f);
    expect(unreportedFailure(home.layout)).toBeNull();
  });

  it('goes back when the new version crashes repeatedly', async () => {
    const home = setup();
    home.install('1.0.0', 'good');
    home.install('2.0.0', 'crash');
    home.setCurrent('1.0.0');
    supervise(home, 10_000);
    await waitUntil('1.0.0 running', () => lastRun(home)?.version === '1.0.0');
    requestSwitch(home.layout, { version: '2.0.0', rolloutId: null });
    const f = await waitUntil('a failure', () => failure(home));
    expect(f).toMatchObject({ version: '2.0.0', reason: 'crash_loop' });
    expect(f.logTail).toContain('boom: 2.0.0 cannot open its database');
    expect(home.runs().filter((r) => r.version === '2.0.0')).toHaveLength(3);
    await waitUntil('1.0.0 running again', () => lastRun(home)?.version === '1.0.0');
    expect(state(home).current).toBe('1.0.0');
  });

  it('refuses a release signed by an unknown key or changed after signing, and keeps the running version', async () => {
    const home = setup();
    home.install('1.0.0', 'good');
    home.install('1.1.0', 'good', { privateKeyPem: generateReleaseKeyPair().privateKeyPem });
    home.install('1.2.0', 'good');
    const entry = join(home.layout.releaseDir('1.2.0'), 'dist', 'cli.js');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('boom', 'BOOM')); // same size, other bytes
    home.setCurrent('1.0.0');
    supervise(home);
    await waitUntil('1.0.0 running', () => lastRun(home)?.version === '1.0.0');
    requestSwitch(home.layout, { version: '1.1.0', rolloutId: null });
    const f = await waitUntil('a failure', () => failure(home));
    expect(f).toMatchObject({ version: '1.1.0', reason: 'invalid_release' });
    expect(f.detail).toContain('not trusted');
    await waitUntil('1.0.0 running again', () => home.runs().length === 2);
    requestSwitch(home.layout, { version: '1.2.0', rolloutId: null });
    await waitUntil('a second failure', () => failure(home)?.version === '1.2.0');
    expect(failure(home)?.detail).toContain('has sha256');
    await waitUntil('1.0.0 running again', () => home.runs().length === 3);
    expect(home.runs().every((r) => r.version === '1.0.0')).toBe(true);
    expect(state(home)).toMatchObject({ current: '1.0.0', trial: null });
  });
});
