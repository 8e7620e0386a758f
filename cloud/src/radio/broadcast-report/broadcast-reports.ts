import type { SpeakerHistory } from '../../fleet/speakers/speaker-history.js';
import type { PlaybackStore } from '../playback/playback-store.js';
import { buildMonthlyReport, monthRange, type MonthlyReport } from './monthly-report.js';

/** The monthly broadcast report (Thông tư 39): proof of play and the loudspeakers' history, read through their stores. */
export class BroadcastReports {
  constructor(
    private readonly deps: {
      playback: PlaybackStore;
      speakerHistory: SpeakerHistory;
      hamlets(): Promise<readonly { code: string; name: string; communeCode: string }[]>;
      now?: () => number;
    },
  ) {}

  /** `communeCode`: that commune's hamlets and proof of play only (a commune's people); absent: the whole province. */
  async monthly(month: string, communeCode?: string): Promise<MonthlyReport> {
    const { from, to } = monthRange(month);
    const now = this.deps.now?.() ?? Date.now();
    const hamlets = await this.deps.hamlets();
    return buildMonthlyReport({
      month,
      hamlets: communeCode === undefined ? hamlets : hamlets.filter((h) => h.communeCode === communeCode),
      airtime: await this.deps.playback.airtime(from, to, communeCode),
      uptime: await this.deps.speakerHistory.uptimeByHamlet(from, to, now),
      now,
    });
  }
}
