import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VI_TAN, type CommuneSeed } from '@smart-commune/shared';
import { CloudClient, type EdgeSummary } from './cloud-client.js';
import { EDGE_EXIT_RESTART } from '@smart-commune/edge';
import { provisionBoxes, setDemoReboot, setLiveView, type BoxLiveView, type HamletBox } from './hamlet-box.js';
import { CLOUD_CLI, EDGE_CLI, SHARED_DIR } from './paths.js';
import { startCommuneCameras, type CommuneCameras } from './cameras/index.js';
import { configureCamera } from './demo-cameras.js';
import { startProcess, stopProcesses, type ManagedProcess } from './processes.js';
import { startHamletSpeakers, type HamletSpeakers } from './speakers/index.js';
import { startDemoZalo, type DemoZalo } from './demo-zalo.js';
import type { DemoCommune } from './province/hau-giang.js';
import { setUpProvince, type ProvinceLogins } from './province/province-setup.js';

export interface DemoOptions {
  dataDir: string;
  httpPort: number;
  mqttPort: number;
  adminPassword?: string;
  commune?: CommuneSeed;
  /**
   * The province demo (SC_DEMO_COMMUNES): these communes in one deployment, made through the
   * communes API with their people through the users API, a box in each of their hamlets.
   * Replaces `commune`.
   */
  province?: readonly DemoCommune[];
  /** Called with each line the demo prints. */
  print?: (line: string) => void;
  /**
   * Hamlets that get a simulated camera (each box analyses it: about 15 % of a core per camera).
   * Default: every hamlet of the commune; in the province demo, Vị Tân's and the first hamlet of
   * the next two communes only (two cores cannot analyse a camera in every hamlet of a province).
   */
  cameraHamlets?: readonly string[];
  /** YOLOX-Nano files for the boxes; default SC_MODEL_DIR, else ../shared/models. */
  modelDir?: string;
  /** Each box's live view (by its box's index in `edges`); off when absent. */
  liveView?: (hamletIndex: number) => BoxLiveView;
  /** Port of the local Zalo OA stand-in (the page of what the OA sends); off when absent. */
  zaloPort?: number;
  /**
   * A control plane started elsewhere (SC_DEMO_SCALE=province: several clouds behind HAProxy, see
   * scripts/lib/province-cluster-demo.ts): the demo starts no cloud of its own and provisions the
   * boxes through this address. httpPort, mqttPort and zaloPort are then unused.
   */
  externalCloud?: { url: string; adminPassword: string; describe: string };
}

export interface RunningDemo {
  cloudUrl: string;
  admin: { username: string; password: string };
  /** The boxes, one per hamlet, in the order of the communes and of their hamlets. */
  edges: EdgeSummary[];
  /** The communes the demo runs: one, or the province demo's. */
  communes: readonly CommuneSeed[];
  /** The province demo's people and their passwords; null for the single commune. */
  province: ProvinceLogins | null;
  processes: ManagedProcess[];
  /** The simulated loudspeakers of each hamlet, by hamlet code. */
  speakers: Map<string, HamletSpeakers>;
  cameras: CommuneCameras | null;
  /** The Zalo OA stand-in's page, when started. */
  zaloUrl: string | null;
  stop(): Promise<void>;
}

/** Points the hamlet's box at its simulated loudspeakers (the speakers get new ports at every start). */
async function configureSpeakers(cloud: CloudClient, edgeId: string, speakers: HamletSpeakers): Promise<void> {
  const current = await cloud.request<{ body: Record<string, unknown> }>('GET', `/api/v1/edges/${edgeId}/config`);
  const radio = { ...(current.body.radio as object | undefined), speakers: speakers.configs };
  await cloud.request('PUT', `/api/v1/edges/${edgeId}/config`, { ...current.body, radio });
}

function adminPassword(options: DemoOptions, cloudDataDir: string): string {
  if (options.adminPassword) return options.adminPassword;
  const file = join(cloudDataDir, 'admin-password.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new Error(`no admin password: set SC_ADMIN_PASSWORD (the admin was created earlier with a password of your choice)`);
}

/** Every box online, in the order of `boxes`. */
async function waitAllOnline(cloud: CloudClient, boxes: readonly HamletBox[], timeoutMs: number): Promise<EdgeSummary[]> {
  const deadline = Date.now() + timeoutMs;
  const order = new Map(boxes.map((b, i) => [b.hamletCode, i]));
  let edges: EdgeSummary[] = [];
  while (Date.now() < deadline) {
    edges = (await cloud.request<{ edges: EdgeSummary[] }>('GET', '/api/v1/edges?status=active')).edges.filter((e) => order.has(e.hamletCode));
    if (edges.filter((e) => e.online).length >= boxes.length) return edges.sort((a, b) => order.get(a.hamletCode)! - order.get(b.hamletCode)!);
    await new Promise((r) => setTimeout(r, 300));
  }
  const missing = edges.filter((e) => !e.online).map((e) => e.hamletName);
  throw new Error(`not every hamlet came online within ${timeoutMs / 1000} s (offline: ${missing.join(', ') || 'none registered'})`);
}

/**
 * What systemd's `Restart=always` does for a box in its cabinet: a daemon that exits on request (the
 * console's restart, code 79, or the simulated reboot's SIGTERM, code 0) is started again. Any other
 * exit is a failure the demo shows, not hides.
 */
function superviseBox(processes: ManagedProcess[], start: () => ManagedProcess, stopping: () => boolean, print: (line: string) => void): void {
  const index = processes.length;
  const launch = () => {
    const managed = start();
    processes[index] = managed;
    void managed.exited.then((code) => {
      if (stopping() || (code !== 0 && code !== EDGE_EXIT_RESTART)) return;
      print(`  ${managed.name}: khởi động lại / restarting (exit ${code})`);
      setTimeout(() => stopping() || launch(), 1000);
    });
  };
  launch();
}

/** The province demo's default cameras: the pilot's in every hamlet, one in each of the next two communes. */
function provinceCameraHamlets(communes: readonly CommuneSeed[]): string[] {
  const [first, ...others] = communes;
  return [...first!.hamlets.map((h) => h.code), ...others.slice(0, 2).map((c) => c.hamlets[0]!.code)];
}

/** The whole commune (or province) on one machine: the cloud and one edge daemon per hamlet, provisioned through the claim flow. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const print = options.print ?? ((line: string) => console.log(line));
  const communes: readonly CommuneSeed[] = options.province ?? [options.commune ?? VI_TAN];
  const root = resolve(options.dataDir);
  const cloudDataDir = join(root, 'cloud');
  const cloudUrl = options.externalCloud?.url ?? `http://127.0.0.1:${options.httpPort}`;
  const processes: ManagedProcess[] = [];
  const speakers = new Map<string, HamletSpeakers>();
  let cameras: CommuneCameras | null = null;
  let zalo: DemoZalo | null = null;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await stopProcesses(processes.slice().reverse());
    await zalo?.close();
    await Promise.all([...speakers.values()].map((s) => s.close()));
    await cameras?.stop();
  };

  try {
    const cloudEnv: Record<string, string> = {
      SC_DATA_DIR: cloudDataDir,
      SC_HTTP_PORT: String(options.httpPort),
      SC_MQTT_PORT: String(options.mqttPort),
    };
    if (options.adminPassword) cloudEnv.SC_ADMIN_PASSWORD = options.adminPassword;
    if (options.zaloPort !== undefined && !options.externalCloud) {
      zalo = await startDemoZalo(options.zaloPort);
      Object.assign(cloudEnv, zalo.env);
    }
    if (!options.externalCloud) processes.push(startProcess('cloud', CLOUD_CLI, [], cloudEnv, join(root, 'logs', 'cloud.log')));
    const cloud = new CloudClient(cloudUrl);
    await cloud.waitHealthy();
    const password = options.externalCloud?.adminPassword ?? adminPassword(options, cloudDataDir);
    await cloud.login('admin', password);
    print(`Máy chủ điều khiển đã chạy / control plane up: ${cloudUrl} (${options.externalCloud?.describe ?? `MQTT 127.0.0.1:${options.mqttPort}`})`);
    await zalo?.connect(cloud, cloudUrl);
    const province = options.province ? await setUpProvince(cloud, options.province, join(root, 'province-logins.json')) : null;
    if (province) print(`Tỉnh đã sẵn sàng / province ready: ${communes.length} xã / communes`);

    const { boxes, outcomes } = await provisionBoxes(cloud, communes, join(root, 'edges'), cloudUrl);
    if (options.liveView) boxes.forEach((box, i) => setLiveView(box, options.liveView!(i)));
    // the demo's cameras are adopted through the API and do not answer multicast: no LAN probes
    const edgeEnv = { SC_MODEL_DIR: options.modelDir ?? process.env.SC_MODEL_DIR ?? join(SHARED_DIR, 'models'), SC_EDGE_DISCOVERY_EVERY_S: '0' };
    boxes.forEach((box, i) => {
      setDemoReboot(box);
      superviseBox(processes, () => startProcess(`edge ${box.hamletCode}`, EDGE_CLI, ['run', '--data-dir', box.dataDir], edgeEnv, join(root, 'logs', `edge-${box.hamletCode}.log`)), () => stopping, print);
      // several communes have an "Ấp 1": the province demo names the hamlet by its code too
      print(`  ${box.hamletName}${options.province ? ` (${box.hamletCode})` : ''}: ${outcomes[i] === 'provisioned' ? 'đã đăng ký mới / provisioned' : 'dùng lại đăng ký / reusing credentials'}`);
    });
    const edges = await waitAllOnline(cloud, boxes, 60_000 + 1000 * boxes.length);
    for (const edge of edges) {
      const hamletSpeakers = await startHamletSpeakers({ hamlet: edge.hamletCode, count: 1, zoneName: () => 'main' });
      speakers.set(edge.hamletCode, hamletSpeakers);
      await configureSpeakers(cloud, edge.id, hamletSpeakers);
    }
    print(`Loa giả lập đã sẵn sàng / simulated loudspeakers ready: ${edges.length}`);
    const cameraHamlets = new Set(options.cameraHamlets ?? (options.province ? provinceCameraHamlets(communes) : communes[0]!.hamlets.map((h) => h.code)));
    const credentials = { username: 'admin', password: 'admin' };
    const hamlets = communes.flatMap((c) => c.hamlets);
    cameras = await startCommuneCameras({ hamlets: hamlets.filter((h) => cameraHamlets.has(h.code)), ...credentials, multicastPort: null, cameraName: (code) => `Camera ${code}` });
    for (const edge of edges.filter((e) => cameraHamlets.has(e.hamletCode))) await configureCamera(cloud, edge.id, cameras.byHamlet(edge.hamletCode)[0]!, credentials);
    print(`Camera giả lập đã sẵn sàng / simulated cameras ready: ${cameras.cameras.length}`);
    return { cloudUrl, admin: { username: 'admin', password }, edges, communes, province, processes, speakers, cameras, zaloUrl: zalo?.url ?? null, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
