import { alertOccurrenceId, type PlaybackEvent } from '@smart-commune/shared';
import { describe, expect, it } from 'vitest';
import { AlertLead } from './alert-lead.js';

const started = (alertId: string, lateMs: number, n = 0, state: PlaybackEvent['state'] = 'started'): PlaybackEvent => ({
  occurrenceId: alertOccurrenceId(alertId, n),
  scheduleId: alertId,
  bulletinId: null,
  state,
  plannedStartAt: 1_000_000,
  actualStartAt: 1_000_000 + lateMs,
  durationMs: null,
  reason: null,
  zones: ['main'],
});

describe('AlertLead', () => {
  it('grows to what a late edge needed, with a margin, and stays within its bounds', () => {
    const lead = new AlertLead({ initialMs: 1000, minMs: 400, maxMs: 5000 });
    expect(lead.take('alr_1')).toBe(1000);
    lead.observe(started('alr_1', 5)); // on time: shortens once
    expect(lead.ms).toBe(880);
    lead.observe(started('alr_1', 600)); // another edge of the same alert was 600 ms late: it needed 1000 + 600
    expect(lead.ms).toBe(2000);
    lead.observe(started('alr_1', 3)); // an alert that was late somewhere never shortens the lead
    expect(lead.ms).toBe(2000);
    expect(lead.take('alr_2')).toBe(2000);
    lead.observe(started('alr_2', 9000));
    expect(lead.ms).toBe(5000);
  });

  it('shortens once per alert every edge started on time, towards the minimum and never below it', () => {
    const lead = new AlertLead({ initialMs: 1000, minMs: 400, maxMs: 5000 });
    const leads: number[] = [];
    for (let i = 0; i < 30; i++) {
      leads.push(lead.take(`alr_${i}`));
      for (let edge = 0; edge < 9; edge++) lead.observe(started(`alr_${i}`, 4));
    }
    expect(leads.slice(0, 4)).toEqual([1000, 880, 784, 707]);
    expect(Math.min(...leads)).toBeGreaterThanOrEqual(400);
    expect(lead.ms).toBeLessThan(410);
  });

  it('learns only from the start of an alert it gave a lead to', () => {
    const lead = new AlertLead({ initialMs: 1000, minMs: 400, maxMs: 5000 });
    lead.take('alr_1');
    lead.observe(started('alr_1', 900, 1)); // a repetition, not the first sound
    lead.observe(started('alr_1', 900, 0, 'completed'));
    lead.observe(started('alr_other', 900)); // an alert of another cloud run
    lead.observe({ ...started('alr_1', 0), occurrenceId: 'sch_1:1000000' }); // an ordinary item
    expect(lead.ms).toBe(1000);
  });
});
