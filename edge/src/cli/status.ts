import { loadEdgeConfig } from '../config.js';
import { openEdgeDatabase } from '../db/database.js';
import { StateStore } from '../db/state.js';
import type { ClockReading } from '../fleet/clock-sync.js';
import { CONTRACT_VERSION, type CameraTelemetry, type CloudContract } from '@smart-commune/shared';
import { IncidentStore } from '../incidents/incident-store.js';
import type { LinkStatus } from '../link/mqtt-link.js';
import { bilingual, formatAge } from './output.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What `sc-edge status` shows: the box's config, its connection and its clock, read from its data dir. */
export function readStatus(dataDir: string) {
  const config = loadEdgeConfig(dataDir);
  const db = openEdgeDatabase(dataDir);
  try {
    const state = new StateStore(db);
    const daemon = state.get<{ pid: number; startedAt: number; version: string }>('daemon')?.value ?? null;
    const link = state.get<LinkStatus>('link')?.value ?? null;
    const clock = state.get<ClockReading>('clock')?.value ?? null;
    const outboxPending = Number(db.prepare('SELECT COUNT(*) FROM outbox').pluck().get());
    const configVersion = (db.prepare("SELECT version FROM documents WHERE doc = 'config'").pluck().get() as number | undefined) ?? 0;
    const running = daemon ? isRunning(daemon.pid) : false;
    const cameras = state.get<CameraTelemetry[]>('cameras')?.value ?? [];
    const uploadsPending = new IncidentStore(db).pendingCount();
    const liveViewUrls = running ? (state.get<string[]>('liveViewUrls')?.value ?? []) : [];
    const cloudContract = state.get<CloudContract>('cloudContract')?.value ?? null;
    return { config, daemon: daemon && { ...daemon, running }, link: running ? link : null, clock, outboxPending, configVersion, cameras: running ? cameras : [], uploadsPending, liveViewUrls, cloudContract };
  } finally {
    db.close();
  }
}

export function printStatus(status: ReturnType<typeof readStatus>): void {
  const { config, daemon, link, clock, outboxPending, configVersion, cameras, uploadsPending, liveViewUrls, cloudContract } = status;
  const now = Date.now();
  const lines = [
    `${bilingual('Tủ', 'Box')}: ${config.name} (${config.edgeId}), ${bilingual('ấp', 'hamlet')} ${config.hamletCode}`,
    `${bilingual('Máy chủ', 'Cloud')}: ${config.cloudUrl}   MQTT: ${config.mqttUrl}`,
    `${bilingual('Chương trình', 'Daemon')}: ${
      daemon?.running ? bilingual(`đang chạy (pid ${daemon.pid}, ${formatAge(now - daemon.startedAt)})`, `running (v${daemon.version})`) : bilingual('không chạy', 'not running')
    }`,
    `${bilingual('Kết nối', 'Connection')}: ${link ? `${link.state} ${bilingual('từ', 'for')} ${formatAge(now - link.since)}${link.lastError ? ` — ${link.lastError}` : ''}` : '-'}`,
    `${bilingual('Lệch giờ so với máy chủ', 'Clock offset to cloud')}: ${
      clock ? `${clock.offsetMs.toFixed(1)} ms (RTT ${clock.roundTripMs} ms, ${formatAge(now - clock.measuredAt)} ${bilingual('trước', 'ago')})` : bilingual('chưa đo', 'not measured')
    }`,
    `${bilingual('Phiên bản giao thức', 'Contract revision')}: ${bilingual('tủ', 'box')} ${CONTRACT_VERSION}, ${
      cloudContract
        ? bilingual(`máy chủ ${cloudContract.version} (sc-cloud ${cloudContract.softwareVersion})`, `cloud ${cloudContract.version}`)
        : bilingual('máy chủ chưa công bố (bản cũ: 1)', 'cloud not announced (an older one: 1)')
    }`,
    `${bilingual('Sự kiện chờ gửi', 'Events waiting to send')}: ${outboxPending}   ${bilingual('Phiên bản cấu hình', 'Config version')}: ${configVersion}`,
    `${bilingual('Sự việc chờ tải ảnh/phim lên', 'Incidents with media to upload')}: ${uploadsPending}`,
    ...cameras.map((c) => `  camera ${c.id}: ${c.status}${c.error ? ` — ${c.error}` : ''}`),
    `${bilingual('Xem trực tiếp', 'Live view')}: ${liveViewUrls.length ? liveViewUrls.join('  ') : bilingual('tắt (đặt liveView.password trong edge.json)', 'off (set liveView.password in edge.json)')}`,
  ];
  console.log(lines.join('\n'));
}
