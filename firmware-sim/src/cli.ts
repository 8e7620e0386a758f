#!/usr/bin/env node
import { startDemo, type RunningDemo } from './demo.js';
import { demoSettings } from './province/demo-settings.js';
import { demoProvince } from './province/hau-giang.js';

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** The province demo's logins: the province operator's, then each commune's operator and police officer. */
function provinceLogins(demo: RunningDemo): string {
  const province = demo.province!;
  const rows = [
    ['Xã / Commune', 'Vai trò / Role', 'Đăng nhập / Username', 'Mật khẩu / Password'],
    ['(cả tỉnh / whole province)', 'truyền thanh / radio operator', province.province.username, province.province.password],
    ...province.communes.flatMap((c) => [
      [c.name, 'truyền thanh / radio operator', c.operator.username, c.operator.password],
      [c.name, 'công an / police', c.police.username, c.police.password],
    ]),
  ];
  return formatTable(rows);
}

/** `sc-sim`: the whole commune (or SC_DEMO_COMMUNES communes of the province) locally, until Ctrl-C (what scripts/demo runs). */
async function main(): Promise<void> {
  const env = process.env;
  // checked before anything starts: a wrong setting is named at once, not after the boxes came up
  const settings = demoSettings(env);
  const liveViewPort = Number(env.SC_DEMO_LIVE_VIEW_PORT ?? 8091);
  const liveViewPassword = env.SC_DEMO_LIVE_VIEW_PASSWORD ?? 'xem-truc-tiep';
  const demo = await startDemo({
    dataDir: env.SC_DATA_DIR ?? '.data',
    httpPort: Number(env.SC_HTTP_PORT ?? 8080),
    mqttPort: Number(env.SC_MQTT_PORT ?? 1883),
    adminPassword: env.SC_ADMIN_PASSWORD,
    ...(settings.communes !== null ? { province: demoProvince(settings.communes) } : {}),
    ...(env.SC_DEMO_CAMERAS ? { cameraHamlets: env.SC_DEMO_CAMERAS.split(',').map((c) => c.trim()) } : {}),
    liveView: (i) => ({ port: liveViewPort + i, password: liveViewPassword }),
    zaloPort: Number(env.SC_DEMO_ZALO_PORT ?? 8089),
  });
  const speakerUrl = (hamlet: string) => demo.speakers.get(hamlet)?.configs[0]?.statusUrl ?? '-';
  const camera = (hamlet: string) => demo.cameras?.byHamlet(hamlet)[0];
  const communeName = new Map(demo.communes.map((c) => [c.code, c.name]));
  const rows = [
    [...(demo.province ? ['Xã / Commune'] : []), 'Ấp / Hamlet', 'Tủ / Box', 'Trạng thái / State', 'Loa giả lập / Simulated speaker', 'Camera giả lập / Simulated camera', 'Dò tìm camera / Probe address', 'Xem trực tiếp / Live view'],
    ...demo.edges.map((e, i) => [
      ...(demo.province ? [communeName.get(e.communeCode) ?? e.communeCode] : []),
      e.hamletName,
      e.id,
      e.online ? 'trực tuyến / online' : 'ngoại tuyến / offline',
      speakerUrl(e.hamletCode),
      camera(e.hamletCode)?.rtspUrl ?? '-',
      camera(e.hamletCode) ? `127.0.0.1:${camera(e.hamletCode)!.discoveryPort}` : '-',
      `http://127.0.0.1:${liveViewPort + i}/`,
    ]),
  ];
  console.log(`\n${formatTable(rows)}\n`);
  console.log(`Bảng điều khiển / Console: ${demo.cloudUrl}/`);
  console.log(`Đăng nhập / Login: ${demo.admin.username} / ${demo.admin.password}${demo.province ? ' (quản trị tỉnh / province admin)' : ''}`);
  if (demo.province) console.log(`\nTài khoản chạy thử / demo logins:\n${provinceLogins(demo)}\n`);
  console.log(`Mật khẩu xem trực tiếp / live view password: ${liveViewPassword}`);
  if (demo.zaloUrl) console.log(`Zalo OA (mô phỏng) / simulated Zalo OA: ${demo.zaloUrl}`);
  console.log(`API: ${demo.cloudUrl}/api/v1/openapi.json   Logs: ${env.SC_DATA_DIR ?? '.data'}/logs/`);
  console.log('Nhấn Ctrl-C để dừng / press Ctrl-C to stop');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nĐang dừng / stopping…');
    await demo.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const p of demo.processes) {
    void p.exited.then((code) => {
      if (!stopping) console.error(`${p.name} exited unexpectedly (code ${code}); see the logs`);
    });
  }
}

main().catch((err: unknown) => {
  console.error(`Demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
