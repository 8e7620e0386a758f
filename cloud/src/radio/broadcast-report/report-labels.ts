import type { BroadcastSource } from '../playback/playback-store.js';
import type { ReportPriority } from './monthly-report.js';

/** The report's names of sources and priorities (Thông tư 39 wording), for the CSV and the page. */
export const reportLabels: Record<'vi' | 'en', { source: Record<BroadcastSource, string>; priority: Record<ReportPriority, string> }> = {
  vi: {
    source: { bulletin: 'Bản tin', live: 'Nói trực tiếp', relay: 'Tiếp sóng', alert: 'Cảnh báo khẩn cấp' },
    priority: { emergency: 'Khẩn cấp', priority: 'Ưu tiên', normal: 'Thông thường', unknown: 'Không rõ mức' },
  },
  en: {
    source: { bulletin: 'Bulletins', live: 'Live voice', relay: 'Relays', alert: 'Emergency alerts' },
    priority: { emergency: 'Emergency', priority: 'Priority', normal: 'Normal', unknown: 'Priority unknown' },
  },
};
