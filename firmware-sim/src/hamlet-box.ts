import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommuneSeed } from '@smart-commune/shared';
import { mapLimited } from '@smart-commune/shared/runtime';
import type { CloudClient, EdgeSummary } from './cloud-client.js';
import { EDGE_CLI } from './paths.js';
import { runScript } from './processes.js';

export interface HamletBox {
  hamletCode: string;
  hamletName: string;
  dataDir: string;
}

/** The simulated cabinet's box name, as a technician would label it. */
export const boxName = (hamletName: string) => `Tủ truyền thanh ${hamletName}`;

/** The technician's live view of a box, on this machine only (each box on its own port). */
export interface BoxLiveView {
  port: number;
  password: string;
}

/** Turns the box's live view on in its edge.json (provisioning again keeps it). */
export function setLiveView(box: HamletBox, liveView: BoxLiveView): void {
  const file = join(box.dataDir, 'edge.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...config, liveView: { host: '127.0.0.1', ...liveView } }, null, 2)}\n`);
}

/**
 * The demo's boxes run on the developer's machine: "Khởi động lại tủ" must not reboot it. Their
 * reboot command stops the daemon two seconds later instead (after it answered), and the demo starts
 * it again, as the cabinet would after booting.
 */
export function setDemoReboot(box: HamletBox): void {
  const file = join(box.dataDir, 'edge.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const rebootCommand = ['/bin/sh', '-c', '(sleep 2; kill -TERM "$PPID") >/dev/null 2>&1 &'];
  writeFileSync(file, `${JSON.stringify({ ...config, rebootCommand }, null, 2)}\n`);
}

/**
 * Makes sure the hamlet's box is provisioned, the way a technician does it: create the record (or
 * reuse the hamlet's existing one), issue a claim token, and run `sc-edge provision` on the box.
 * A box whose data dir already holds its config keeps its credentials.
 */
export async function ensureProvisioned(cloud: CloudClient, box: HamletBox, cloudUrl: string): Promise<'reused' | 'provisioned'> {
  if (existsSync(join(box.dataDir, 'edge.json'))) return 'reused';
  const { edges } = await cloud.request<{ edges: EdgeSummary[] }>('GET', `/api/v1/edges?hamlet=${box.hamletCode}`);
  const existing = edges.find((e) => e.name === boxName(box.hamletName));
  const edge = existing ?? (await cloud.request<EdgeSummary>('POST', '/api/v1/edges', { name: boxName(box.hamletName), hamletCode: box.hamletCode }));
  const { token } = await cloud.request<{ token: string }>('POST', `/api/v1/edges/${edge.id}/claim-tokens`, {});
  const result = await runScript(EDGE_CLI, ['provision', '--cloud', cloudUrl, '--token', token, '--data-dir', box.dataDir, '--force']);
  if (result.code !== 0) throw new Error(`provisioning ${box.hamletName} failed: ${result.output.trim()}`);
  return 'provisioned';
}

/**
 * A box for every hamlet of these communes, each provisioned (or reused) as `ensureProvisioned`
 * does, in `edgesDir/<hamlet code>` (hamlet codes are province-unique). Four at a time: each
 * provisioning is a process, and a province has tens of boxes for two cores.
 */
export async function provisionBoxes(
  cloud: CloudClient,
  communes: readonly CommuneSeed[],
  edgesDir: string,
  cloudUrl: string,
): Promise<{ boxes: HamletBox[]; outcomes: ('reused' | 'provisioned')[] }> {
  const boxes = communes.flatMap((c) => c.hamlets.map((h) => ({ hamletCode: h.code, hamletName: h.name, dataDir: join(edgesDir, h.code) })));
  const outcomes = await mapLimited(boxes, 4, (box) => ensureProvisioned(cloud, box, cloudUrl));
  return { boxes, outcomes };
}
