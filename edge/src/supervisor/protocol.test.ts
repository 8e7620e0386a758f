import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthReport } from './protocol.js';

const report = (over: Partial<HealthReport> = {}): HealthReport => ({
  format: 1,
  version: '1.1.0',
  pid: 1,
  startedAt: 100,
  at: 200,
  connected: true,
  documentsApplied: true,
  loudspeakers: { total: 2, reachable: 2 },
  cameras: { total: 3, streaming: 3 },
  notes: [],
  ...over,
});

describe('judgeHealth', () => {
  it('wants a report written since the switch', () => {
    expect(judgeHealth(null, null, 0)).toEqual({ healthy: false, unmet: ['no health report written'] });
    expect(judgeHealth(report({ at: 50 }), null, 100).healthy).toBe(false);
    expect(judgeHealth(report(), null, 100)).toEqual({ healthy: true, unmet: [] });
  });

  it('compares loudspeakers and cameras with what the previous version had', () => {
    const before = report({ loudspeakers: { total: 2, reachable: 1 }, cameras: { total: 3, streaming: 2 } });
    expect(judgeHealth(report({ loudspeakers: { total: 2, reachable: 1 }, cameras: { total: 3, streaming: 2 } }), before, 100).healthy).toBe(true);
    expect(judgeHealth(report({ cameras: { total: 3, streaming: 1 } }), before, 100).unmet).toEqual(['cameras streaming 1/2']);
    expect(judgeHealth(report({ loudspeakers: { total: 2, reachable: 1 } }), null, 100).unmet).toEqual(['loudspeakers reachable 1/2']);
  });

  it('does not hold a missing link against the new version when the old one had none either', () => {
    expect(judgeHealth(report({ connected: false }), report({ connected: false }), 100).healthy).toBe(true);
    expect(judgeHealth(report({ connected: false }), report(), 100).unmet).toEqual(['not connected to the cloud']);
    expect(judgeHealth(report({ documentsApplied: false }), report(), 100).unmet).toEqual(['documents not applied']);
  });
});
