import { describe, expect, it } from 'vitest';
import { parseLocalMinute, parseRangeBound } from './local-time.js';
import { RecurrenceError, expandSeries, isRuleOccurrence, nextOccurrence, normalizeRrule, type Series } from './recurrence.js';

const VN = 'Asia/Ho_Chi_Minh';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const series = (startsLocal: string, rrule: string | null, extra: Partial<Series> = {}): Series => ({ startsLocal, timeZone: VN, rrule, exceptions: [], ...extra });
const starts = (s: Series, from: string, to: string) => expandSeries(s, at(from), at(to)).map((o) => iso(o.startAt));

/** Daily at 05:30 and 17:00: BYHOUR × BYMINUTE gives 05:00, 05:30, 17:00, 17:30; BYSETPOS picks the 2nd and 3rd of each day. */
const TWICE_DAILY = 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSETPOS=2,3';

describe('RRULE expansion in Asia/Ho_Chi_Minh', () => {
  it('turns daily 05:30 and 17:00 into 22:30Z of the previous day and 10:00Z of the same day', () => {
    expect(starts(series('2026-12-01T05:30', TWICE_DAILY), '2026-11-29T00:00:00Z', '2026-12-02T20:00:00Z')).toEqual([
      '2026-11-30T22:30:00Z',
      '2026-12-01T10:00:00Z',
      '2026-12-01T22:30:00Z',
      '2026-12-02T10:00:00Z',
    ]);
  });

  it('keeps the local wall-clock start and the instant of each occurrence', () => {
    const [first, second] = expandSeries(series('2026-12-01T05:30', TWICE_DAILY), at('2026-11-30T00:00:00Z'), at('2026-12-02T00:00:00Z'));
    expect(first).toEqual({ originalLocal: '2026-12-01T05:30', originalAt: at('2026-11-30T22:30:00Z'), startLocal: '2026-12-01T05:30', startAt: at('2026-11-30T22:30:00Z'), moved: false });
    expect(second?.startLocal).toBe('2026-12-01T17:00');
  });

  it('plays on weekdays only', () => {
    // 2026-12-04 is a Friday
    const local = expandSeries(series('2026-12-03T06:00', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'), at('2026-12-01T00:00:00Z'), at('2026-12-09T20:00:00Z')).map((o) => o.startLocal);
    expect(local).toEqual(['2026-12-03T06:00', '2026-12-04T06:00', '2026-12-07T06:00', '2026-12-08T06:00', '2026-12-09T06:00']);
  });

  it('plays every 2 weeks on Monday and Thursday', () => {
    // starts on Tuesday 1 December: that week's Thursday, then the Monday and Thursday two weeks on
    const local = expandSeries(series('2026-12-01T19:00', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH'), at('2026-11-30T00:00:00Z'), at('2027-01-05T00:00:00Z')).map((o) => o.startLocal);
    expect(local).toEqual(['2026-12-03T19:00', '2026-12-14T19:00', '2026-12-17T19:00', '2026-12-28T19:00', '2026-12-31T19:00']);
  });

  it('stops after COUNT occurrences', () => {
    expect(starts(series('2026-12-01T05:30', `${TWICE_DAILY};COUNT=3`), '2026-11-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-11-30T22:30:00Z',
      '2026-12-01T10:00:00Z',
      '2026-12-01T22:30:00Z',
    ]);
  });

  it('reads UNTIL as a local date (the whole day), a local time, or a UTC instant with Z', () => {
    const window = ['2026-11-01T00:00:00Z', '2027-01-01T00:00:00Z'] as const;
    const lastLocal = (rule: string) => expandSeries(series('2026-12-01T05:30', rule), at(window[0]), at(window[1])).at(-1)?.startLocal;
    expect(lastLocal(`${TWICE_DAILY};UNTIL=20261205`)).toBe('2026-12-05T17:00');
    expect(lastLocal(`${TWICE_DAILY};UNTIL=20261205T120000`)).toBe('2026-12-05T05:30');
    // 2026-12-04T23:00Z is 06:00 on the 5th in Vietnam: the morning bulletin is in, the evening one is not
    expect(lastLocal(`${TWICE_DAILY};UNTIL=20261204T230000Z`)).toBe('2026-12-05T05:30');
  });

  it('plays a one-off once', () => {
    const s = series('2026-12-24T19:30', null);
    expect(starts(s, '2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual(['2026-12-24T12:30:00Z']);
    expect(starts(s, '2026-12-24T12:31:00Z', '2027-01-01T00:00:00Z')).toEqual([]);
  });

  it('skips one occurrence and moves another, keeping the moved one\'s identity', () => {
    const s = series('2026-12-01T05:30', TWICE_DAILY, {
      exceptions: [
        { occurrenceLocal: '2026-12-02T05:30', action: 'skip', movedToLocal: null },
        { occurrenceLocal: '2026-12-02T17:00', action: 'move', movedToLocal: '2026-12-02T19:15' },
      ],
    });
    const occurrences = expandSeries(s, at('2026-12-01T12:00:00Z'), at('2026-12-02T20:00:00Z'));
    expect(occurrences.map((o) => [o.originalLocal, o.startLocal, o.moved])).toEqual([['2026-12-02T17:00', '2026-12-02T19:15', true]]);
    expect(occurrences[0]!.originalAt).toBe(at('2026-12-02T10:00:00Z'));
    expect(occurrences[0]!.startAt).toBe(at('2026-12-02T12:15:00Z'));
  });

  it('finds an occurrence moved into the range from far outside it', () => {
    const s = series('2026-12-01T05:30', 'FREQ=DAILY', { exceptions: [{ occurrenceLocal: '2026-12-20T05:30', action: 'move', movedToLocal: '2026-12-05T20:00' }] });
    const local = expandSeries(s, at('2026-12-05T12:00:00Z'), at('2026-12-05T17:00:00Z')).map((o) => [o.originalLocal, o.startLocal]);
    expect(local).toEqual([['2026-12-20T05:30', '2026-12-05T20:00']]);
  });

  it('tells the rule\'s own occurrences from other times', () => {
    const s = series('2026-12-01T05:30', TWICE_DAILY);
    expect(isRuleOccurrence(s, '2026-12-09T17:00')).toBe(true);
    expect(isRuleOccurrence(s, '2026-12-09T17:30')).toBe(false);
    expect(isRuleOccurrence(s, '2026-11-30T17:00')).toBe(false);
  });

  it('finds the next occurrence, or none when the series is over', () => {
    const s = series('2026-12-01T05:30', `${TWICE_DAILY};COUNT=4`);
    expect(nextOccurrence(s, at('2026-12-01T11:00:00Z'), 365 * 86_400_000)?.startLocal).toBe('2026-12-02T05:30');
    expect(nextOccurrence(s, at('2026-12-02T11:00:00Z'), 365 * 86_400_000)).toBeNull();
  });
});

describe('RRULE expansion in a zone with daylight saving time', () => {
  const berlin = (startsLocal: string, rrule: string): Series => ({ startsLocal, timeZone: 'Europe/Berlin', rrule, exceptions: [] });

  it('keeps the wall-clock time across the change: 08:00 is 07:00Z in winter and 06:00Z in summer', () => {
    expect(starts(berlin('2026-03-28T08:00', 'FREQ=DAILY;COUNT=2'), '2026-03-27T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(['2026-03-28T07:00:00Z', '2026-03-29T06:00:00Z']);
  });

  it('moves a time that does not exist (spring-forward gap) forward by the gap', () => {
    // 02:30 on 29 March 2026 does not exist in Berlin; it plays at 03:30 CEST
    expect(starts(berlin('2026-03-28T02:30', 'FREQ=DAILY;COUNT=2'), '2026-03-27T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z']);
  });
});

describe('normalizeRrule', () => {
  it('accepts a rule with or without the RRULE: prefix and upper-cases it', () => {
    expect(normalizeRrule('rrule:freq=weekly;interval=2;byday=mo,th')).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH');
    expect(normalizeRrule(TWICE_DAILY)).toBe(TWICE_DAILY);
  });

  it.each([
    ['DTSTART:20261201T053000\nRRULE:FREQ=DAILY', /without DTSTART/],
    ['FREQ=DAILY;DTSTART=20261201T053000', /without DTSTART/],
    ['BYDAY=MO', /needs FREQ/],
    ['FREQ=MINUTELY', /FREQ must be/],
    ['FREQ=DAILY;COUNT=3;UNTIL=20261231', /COUNT and UNTIL/],
    ['FREQ=DAILY;INTERVAL=0', /INTERVAL/],
    ['FREQ=DAILY;COLOR=RED', /not a valid RRULE/],
  ])('refuses %s', (rule, reason) => {
    expect(() => normalizeRrule(rule)).toThrow(RecurrenceError);
    expect(() => normalizeRrule(rule)).toThrow(reason);
  });
});

describe('local times', () => {
  it('parses real calendar times only, seconds optional', () => {
    expect(parseLocalMinute('2026-12-01T05:30')).toEqual({ year: 2026, month: 12, day: 1, hour: 5, minute: 30, second: 0 });
    expect(parseLocalMinute('2026-12-01T05:30:15')).toEqual({ year: 2026, month: 12, day: 1, hour: 5, minute: 30, second: 15 });
    for (const bad of ['2026-02-30T10:00', '2026-12-01T24:00', '2026-12-01 05:30', '2026-12-01T05:30:60', '2026-12-01T05:30:0', '01/12/2026']) expect(parseLocalMinute(bad), bad).toBeNull();
  });

  it('reads range bounds as local days or instants with an offset', () => {
    expect(parseRangeBound('2026-12-01', VN, 'start')).toBe(at('2026-11-30T17:00:00Z'));
    expect(parseRangeBound('2026-12-01', VN, 'end')).toBe(at('2026-12-01T17:00:00Z'));
    expect(parseRangeBound('2026-12-01T05:30:00+07:00', VN, 'start')).toBe(at('2026-11-30T22:30:00Z'));
    expect(parseRangeBound('2026-12-01T05:30:00', VN, 'start')).toBeNull();
    expect(parseRangeBound('2026-13-01', VN, 'start')).toBeNull();
  });
});
