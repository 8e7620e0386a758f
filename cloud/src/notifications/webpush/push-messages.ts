import { labelName } from '../../console/police/police-markup.js';
import type { NotificationContent } from '../channel.js';
import { itemPath } from './push-paths.js';

/*
 * What staff read on their lock screen, Vietnamese (the console's first language; a push is
 * written before anyone opens it, so it cannot follow the reader's switch). Short titles: a phone
 * shows about 40 characters of them.
 */

const place = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join(', ');

/** The durations the summaries name: "15 phút", "45 giây". */
export function spoken(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} giây`;
  if (s < 3600) return `${Math.round(s / 60)} phút`;
  return `${Math.round(s / 360) / 10} giờ`;
}

export function incidentOpened(input: { incidentId: string; label: string; camera: string; edge: string; hamlet: string | null }): NotificationContent {
  return {
    title: `Cảnh báo mới: ${labelName(input.label, 'vi')}`,
    body: `Camera ${place(input.camera, input.edge, input.hamlet)}. Mở để xem ảnh và xử lý.`,
    path: itemPath.incident(input.incidentId),
    tag: `incident-${input.incidentId}`,
  };
}

export function incidentsSummary(input: { count: number; camera: string; edge: string; windowMs: number }): NotificationContent {
  return {
    title: `${input.count} cảnh báo mới khác`,
    body: `Từ camera ${place(input.camera, input.edge)} trong ${spoken(input.windowMs)} qua. Mở danh sách để xem.`,
    path: itemPath.incidents(),
  };
}

/** The box, camera or loudspeaker zone a device notification is about: its name, where it is, its console page. */
export interface DeviceSubject {
  what: 'edge' | 'camera' | 'speaker';
  name: string;
  hamlet: string | null;
  path: string;
  /** Same tag for offline and online: "back online" replaces "offline" on the device. */
  tag: string;
}

const deviceWord = (s: DeviceSubject) => ({ edge: 'Tủ', camera: 'Camera', speaker: 'Loa' })[s.what];

export function deviceOffline(subject: DeviceSubject, offlineForMs: number): NotificationContent {
  // a loudspeaker zone may be reachable but muted: either way it cannot sound a warning
  const speaker = subject.what === 'speaker';
  return {
    title: speaker ? `Loa không phát được: ${subject.name}` : `${deviceWord(subject)} mất kết nối: ${subject.name}`,
    body: `${place(subject.name, subject.hamlet)} ${speaker ? 'mất kết nối hoặc bị tắt tiếng' : 'không liên lạc được'} hơn ${spoken(offlineForMs)}. Mở để xem chi tiết.`,
    path: subject.path,
    tag: subject.tag,
  };
}

export function deviceOnline(subject: DeviceSubject): NotificationContent {
  return {
    title: subject.what === 'speaker' ? `Loa phát lại được: ${subject.name}` : `${deviceWord(subject)} đã kết nối lại: ${subject.name}`,
    body: `${place(subject.name, subject.hamlet)} hoạt động trở lại.`,
    path: subject.path,
    tag: subject.tag,
  };
}

export function deviceSummary(subject: DeviceSubject, input: { changes: number; windowMs: number; offlineNow: boolean }): NotificationContent {
  return {
    title: `${deviceWord(subject)} chập chờn: ${subject.name}`,
    body: `${input.changes} lần mất hoặc có lại kết nối trong ${spoken(input.windowMs)} qua. Hiện ${input.offlineNow ? 'vẫn mất kết nối' : 'đã kết nối'}.`,
    path: subject.path,
    tag: subject.tag,
  };
}

export function alertNotStarted(input: { alertId: string; title: string; hamlets: string[]; afterMs: number }): NotificationContent {
  return {
    title: `Báo động khẩn chưa phát ở ${input.hamlets.length} ấp`,
    body: `"${input.title}": ${input.hamlets.join(', ')} chưa phát sau ${spoken(input.afterMs)}. Kiểm tra tủ và loa của ấp.`,
    path: itemPath.alert(input.alertId),
    tag: `alert-${input.alertId}`,
  };
}

export function testMessage(): NotificationContent {
  return {
    title: 'Thông báo thử',
    body: 'Máy này sẽ nhận thông báo của Xã thông minh.',
    path: itemPath.notifications(),
    tag: 'test',
  };
}
