import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@smart-commune/shared/runtime';
import { readHealth, supervisedContext } from './daemon-side.js';
import { healthFacts, startHealthReporter, type HealthSources } from './health-reporter.js';
import { judgeHealth } from './protocol.js';

const sources = (over: Partial<HealthSources> = {}): HealthSources => ({
  connected: () => true,
  unappliedDocuments: () => [],
  speakers: () => [
    { zone: 'a', state: 'ok', reason: null },
    { zone: 'b', state: 'muted', reason: null },
    { zone: 'c', state: 'offline', reason: 'no answer from 10.0.0.9' },
  ],
  cameras: () => [
    { id: 'cam-1', status: 'streaming', fps: 5, lastFrameAt: 1 },
    { id: 'cam-2', status: 'reconnecting', fps: 0, lastFrameAt: null },
    { id: 'cam-3', status: 'disabled', fps: 0, lastFrameAt: null },
  ],
  ...over,
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('health facts', () => {
  it('counts a muted loudspeaker as reachable, leaves disabled cameras out, and says why a check fails', () => {
    const facts = healthFacts(sources({ unappliedDocuments: () => [{ doc: 'schedule', error: 'unknown priority "p0"' }] }));
    expect(facts).toMatchObject({ connected: true, documentsApplied: false, loudspeakers: { total: 3, reachable: 2 }, cameras: { total: 2, streaming: 1 } });
    expect(facts.notes).toEqual(['document schedule not applied: unknown priority "p0"', 'loudspeaker c offline: no answer from 10.0.0.9']);
  });

  it('is written where the supervisor reads it, only when started by the supervisor', () => {
    expect(supervisedContext({})).toBeNull();
    const home = mkdtempSync(join(tmpdir(), 'sc-health-'));
    dirs.push(home);
    const ctx = supervisedContext({ SC_EDGE_HOME: home, SC_EDGE_RELEASE: '1.2.0', SC_EDGE_TRIAL: '1' })!;
    expect(ctx.trial).toBe(true);
    mkdirSync(ctx.layout.supervisorDir, { recursive: true });
    const reporter = startHealthReporter(ctx, sources(), 1000, silentLogger(), 60_000);
    reporter.stop();
    const report = readHealth(ctx.layout, '1.2.0')!;
    expect(report).toMatchObject({ version: '1.2.0', pid: process.pid, startedAt: 1000, loudspeakers: { reachable: 2 } });
    // a box whose old version had the same two loudspeakers and one camera streaming passes
    expect(judgeHealth(report, { ...report, at: 0 }, 0).healthy).toBe(true);
    expect(judgeHealth(report, null, 0).unmet).toEqual(['loudspeakers reachable 2/3', 'cameras streaming 1/2']);
  });
});
