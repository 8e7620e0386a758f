import { COMMUNE_TIME_ZONE } from '@smart-commune/shared';
import type { QueryDatabase } from '../../db/query/index.js';
import type { NotificationContent } from '../channel.js';
import { CS_TEXT_MAX } from './zalo-wire.js';

/** What the channel tells citizens about an alert or a bulletin: title and text as the radio has them. */
export interface NoticeSource {
  alert(alertId: string): Promise<{ title: string; text: string; bulletinId: string } | null>;
  bulletin(bulletinId: string): Promise<{ title: string; text: string | null } | null>;
}

/** Reads the alert's and bulletin's public text from the radio's tables (the same rows the notices page shows). */
export function dbNoticeSource(q: QueryDatabase): NoticeSource {
  return {
    alert: async (id) => (await q.db.selectFrom('alerts').select(['title', 'text', 'bulletin_id as bulletinId']).where('id', '=', id).executeTakeFirst()) ?? null,
    bulletin: async (id) => (await q.db.selectFrom('bulletins').select(['title', 'text']).where('id', '=', id).executeTakeFirst()) ?? null,
  };
}

const timeFormat = new Intl.DateTimeFormat('vi-VN', { timeZone: COMMUNE_TIME_ZONE, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });

/** "07:30 06/12/2026" in the commune's time. */
export function communeTime(at: number): string {
  const parts = Object.fromEntries(timeFormat.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
}

export function alertContent(a: { title: string; text: string; bulletinId: string }, startsAt: number): NotificationContent {
  return {
    title: `CẢNH BÁO KHẨN CẤP: ${a.title}`,
    body: `${a.text}\nBắt đầu phát lúc ${communeTime(startsAt)}.`,
    path: `/thong-bao#${a.bulletinId}`,
  };
}

export function bulletinContent(b: { title: string; text: string | null }, bulletinId: string, firstStartAt: number | null): NotificationContent {
  const when = firstStartAt === null ? '' : `\nPhát trên loa lúc ${communeTime(firstStartAt)}.`;
  return { title: `Thông báo của xã: ${b.title}`, body: `${b.text ?? ''}${when}`.trim(), path: `/thong-bao#${bulletinId}` };
}

/**
 * The text a follower reads: title, body, and the absolute link to the notice with its audio, in at
 * most `max` characters (Zalo's 2,000): a long body is cut, never the link.
 */
export function messageText(content: NotificationContent, publicUrl: string, max = CS_TEXT_MAX): string {
  const link = content.path ? `\nNghe và xem chi tiết: ${publicUrl.replace(/\/$/, '')}${content.path}` : '';
  const text = [content.title, content.body].filter(Boolean).join('\n');
  const room = max - link.length;
  return (text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text) + link;
}
