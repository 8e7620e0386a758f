import type { SpeakerHistory } from '../../fleet/speakers/speaker-history.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import { buildMonthlyReport, monthRange, type MonthlyReport } from './monthly-report.js';

/** The monthly broadcast report (Thông tư 39): proof of play and the loudspeakers' history, read through their stores. */
export class BroadcastReports {
  constructor(
    private readonly deps: {
      playback: PlaybackStore;
      speakerHistory: SpeakerHistory;
      hamlets(): readonly { code: string; name: string }[];
      now?: () => number;
    },
  ) {}

  monthly(month: string): MonthlyReport {
    const { from, to } = monthRange(month);
    const now = this.deps.now?.() ?? Date.now();
    return buildMonthlyReport({
      month,
      hamlets: this.deps.hamlets(),
      airtime: this.deps.playback.airtime(from, to),
      uptime: this.deps.speakerHistory.uptimeByHamlet(from, to, now),
      now,
    });
  }
}
