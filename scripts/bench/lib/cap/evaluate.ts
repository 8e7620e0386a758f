import type { CloudClient } from '../../../../firmware-sim/src/cloud-client.js';
import { quantile } from '../commune.js';
import type { Category, PlannedMessage } from './generator.js';
import type { HeardItem, SeenAlert } from './observer.js';

/** A hamlet's proof of play and its loudspeaker's first sample agree within this (the chime starts at once). */
const MATCH_BEFORE_MS = 250;
const MATCH_AFTER_MS = 1500;

interface AlertDetail {
  id: string;
  status: string;
  capIdentifier: string | null;
  hamlets: { code: string; startedAt: number | null }[];
}

export interface Verdict {
  message: PlannedMessage;
  /** Hamlets whose loudspeaker played it, with the first sample heard there. */
  heard: Map<string, number>;
  correct: boolean;
  /** Hamlets where it played but should not have. */
  wrong: string[];
  /** What was wrong, in words. */
  problem: string | null;
  feedToAirMs: number | null;
}

export interface CapBenchReport {
  verdicts: Verdict[];
  correctPct: number;
  wrongPlays: number;
  /** Hamlet-plays expected and heard. */
  expectedPlays: number;
  heardExpectedPlays: number;
  feedToAir: number[];
  /** A box reported the start, its loudspeaker heard nothing then. */
  reportedNotHeard: number;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Compares what each message was generated to do with what the loudspeakers heard: an alert
 * played in a hamlet when that hamlet's box reported starting it and its loudspeaker's first
 * sample came then. Cancel and Update must also leave the alert they reference cancelled.
 */
export async function evaluate(
  cloud: CloudClient,
  messages: readonly PlannedMessage[],
  publishedAt: ReadonlyMap<string, number>,
  alerts: ReadonlyMap<string, SeenAlert>,
  items: ReadonlyMap<string, HeardItem>,
): Promise<CapBenchReport> {
  const details = await Promise.all([...alerts.keys()].map((id) => cloud.request<AlertDetail>('GET', `/api/v1/alerts/${id}`)));
  const byIdentifier = new Map<string, AlertDetail[]>();
  for (const d of details) if (d.capIdentifier) byIdentifier.set(d.capIdentifier, [...(byIdentifier.get(d.capIdentifier) ?? []), d]);
  const heardBy = new Map<string, number[]>();
  for (const item of items.values()) heardBy.set(item.hamlet, [...(heardBy.get(item.hamlet) ?? []), item.firstSampleAt]);
  let reportedNotHeard = 0;

  const verdicts = messages.map((message): Verdict => {
    const heard = new Map<string, number>();
    for (const alert of byIdentifier.get(message.identifier) ?? []) {
      for (const h of alert.hamlets) {
        if (h.startedAt === null) continue;
        const sample = (heardBy.get(h.code) ?? []).filter((t) => t >= h.startedAt! - MATCH_BEFORE_MS && t <= h.startedAt! + MATCH_AFTER_MS).sort((a, b) => a - b)[0];
        if (sample === undefined) reportedNotHeard++;
        else heard.set(h.code, Math.min(sample, heard.get(h.code) ?? Infinity));
      }
    }
    const playedIn = [...heard.keys()];
    const wrong = playedIn.filter((c) => !message.plays.includes(c));
    const problems: string[] = [];
    if (!sameSet(playedIn, message.plays)) problems.push(`played in [${playedIn.sort().join(', ')}], expected [${message.plays.join(', ')}]`);
    if (message.ends) {
      const ended = byIdentifier.get(message.ends) ?? [];
      if (!ended.length || ended.some((a) => a.status !== 'cancelled')) problems.push(`the alert of ${message.ends} is ${ended.map((a) => a.status).join(', ') || 'missing'}, expected cancelled`);
    }
    const first = heard.size ? Math.min(...heard.values()) : null;
    const at = publishedAt.get(message.identifier);
    return { message, heard, correct: problems.length === 0, wrong, problem: problems.join('; ') || null, feedToAirMs: message.plays.length && first !== null && at !== undefined ? first - at : null };
  });
  const expectedPlays = verdicts.reduce((n, v) => n + v.message.plays.length, 0);
  const heardExpectedPlays = verdicts.reduce((n, v) => n + v.message.plays.filter((c) => v.heard.has(c)).length, 0);
  return {
    verdicts,
    correctPct: verdicts.length ? (100 * verdicts.filter((v) => v.correct).length) / verdicts.length : 0,
    wrongPlays: verdicts.reduce((n, v) => n + v.wrong.length, 0),
    expectedPlays,
    heardExpectedPlays,
    feedToAir: verdicts.flatMap((v) => (v.feedToAirMs === null ? [] : [v.feedToAirMs])),
    reportedNotHeard,
  };
}

/** One line per category: how many, how many right, plays where they should not be, and an example of what went wrong. */
export function categoryLines(report: CapBenchReport): string[] {
  const byCategory = new Map<Category, Verdict[]>();
  for (const v of report.verdicts) byCategory.set(v.message.category, [...(byCategory.get(v.message.category) ?? []), v]);
  return [...byCategory.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, vs]) => {
      const wrong = vs.reduce((n, v) => n + v.wrong.length, 0);
      const example = vs.find((v) => !v.correct);
      const p99 = quantile(vs.flatMap((v) => (v.feedToAirMs === null ? [] : [v.feedToAirMs])), 0.99);
      return `  ${category.padEnd(17)} ${String(vs.length).padStart(4)} messages, ${String(vs.filter((v) => v.correct).length).padStart(4)} right, ${String(wrong).padStart(4)} wrong plays${Number.isNaN(p99) ? '' : `, feed→air p99 ${Math.round(p99)} ms`}${example ? ` — e.g. ${example.message.identifier}: ${example.problem}` : ''}`;
    });
}
