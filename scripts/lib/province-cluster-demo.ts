/**
 * `SC_DEMO_SCALE=province scripts/demo`: the province's deployment on one machine — PostgreSQL,
 * Mosquitto, the S3 server (s3rver), two sc-cloud processes behind HAProxy (test-support/cluster) —
 * and the communes' boxes (real edge daemons with simulated loudspeakers and cameras, the demo of
 * firmware-sim) provisioned through HAProxy. Fresh at every start (the database is). Ctrl-C stops it all.
 *   SC_DEMO_COMMUNES (default 3), SC_DEMO_CLOUDS (default 2), SC_HTTP_PORT (HAProxy, default 8080),
 *   SC_DATA_DIR (default .data-province), SC_DEMO_LIVE_VIEW_PORT (default 8091), SC_DEMO_CAMERAS
 */
import { rmSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDemo } from '../../firmware-sim/src/demo.js';
import { demoProvince } from '../../firmware-sim/src/province/hau-giang.js';
import { demoSettings } from '../../firmware-sim/src/province/demo-settings.js';
import { startCluster, type Cluster } from '../../test-support/cluster/cluster.js';

async function main(): Promise<void> {
  const env = process.env;
  const communes = demoSettings({ ...env, SC_DEMO_DATABASE: undefined }).communes ?? 3;
  const cloudCount = Number(env.SC_DEMO_CLOUDS ?? 2);
  if (!Number.isInteger(cloudCount) || cloudCount < 1 || cloudCount > 8) throw new Error(`SC_DEMO_CLOUDS=${env.SC_DEMO_CLOUDS}: must be from 1 to 8`);
  const root = resolve(env.SC_DATA_DIR ?? '.data-province');
  // a fresh database each run: the boxes' credentials beside it must match it
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'cluster'), { recursive: true });
  const say = (line: string) => console.log(line);
  let cluster: Cluster | null = null;
  let demo: Awaited<ReturnType<typeof startDemo>> | null = null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('\nĐang dừng / stopping…');
    await demo?.stop();
    await cluster?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  try {
    cluster = await startCluster({ clouds: cloudCount, dir: join(root, 'cluster'), httpPort: Number(env.SC_HTTP_PORT ?? 8080), log: (l) => say(`[cluster] ${l}`) });
    const c = cluster;
    const liveViewPort = Number(env.SC_DEMO_LIVE_VIEW_PORT ?? 8091);
    demo = await startDemo({
      dataDir: root,
      httpPort: 0,
      mqttPort: 0,
      province: demoProvince(communes),
      ...(env.SC_DEMO_CAMERAS ? { cameraHamlets: env.SC_DEMO_CAMERAS.split(',').map((c) => c.trim()) } : {}),
      liveView: (i) => ({ port: liveViewPort + i, password: env.SC_DEMO_LIVE_VIEW_PASSWORD ?? 'xem-truc-tiep' }),
      externalCloud: { url: c.httpUrl, adminPassword: c.adminPassword, describe: `${cloudCount} clouds behind HAProxy, Mosquitto ${c.mqttPublicUrl}` },
    });
    say('');
    say(`Bảng điều khiển / Console (HAProxy): ${c.httpUrl}/`);
    say(`Đăng nhập / Login: admin / ${c.adminPassword} (quản trị tỉnh / province admin)`);
    const logins = join(root, 'province-logins.json');
    if (existsSync(logins)) say(`Tài khoản các xã / the communes' logins: ${logins}`);
    say(`Tủ / boxes: ${demo.edges.length} (${demo.edges.filter((e) => e.online).length} trực tuyến / online) in ${communes} communes`);
    say(`Máy chủ / cloud processes: ${c.clouds.map((cl, i) => `${cl.spec.name} pid ${cl.pid} ${c.cloudUrls[i]}`).join('; ')}`);
    say(`HAProxy: ${c.httpUrl} (trạng thái / stats http://127.0.0.1:${readStatsPort(c)}/stats)   Mosquitto: ${c.mqttPublicUrl}   PostgreSQL: ${c.databaseUrl}   S3: ${c.s3.env.SC_S3_ENDPOINT}`);
    say(`Thử chuyển đổi / try failover: kill -9 ${c.clouds[0]!.pid} — the console keeps answering through HAProxy`);
    say(`Nhật ký / logs: ${c.dir}/*.log, ${root}/logs/`);
    say('Nhấn Ctrl-C để dừng / press Ctrl-C to stop');
  } catch (err) {
    console.error(`Demo failed: ${err instanceof Error ? err.message : String(err)}`);
    stopping = true;
    await demo?.stop();
    await cluster?.stop();
    process.exit(1);
  }
}

/** HAProxy's stats port, from the configuration the harness wrote. */
function readStatsPort(c: Cluster): string {
  return /frontend stats\n\s+bind 127\.0\.0\.1:(\d+)/.exec(readFileSync(join(c.dir, 'haproxy.cfg'), 'utf8'))?.[1] ?? '?';
}

void main();
