/**
 * A real box of the failover benchmark: the sc-edge daemon of this tree (edge/dist/cli.js, `run`) in
 * a data dir of its own, claimed through HAProxy as a technician's `sc-edge provision` does, with a
 * simulated IP loudspeaker (firmware-sim) it plays alerts on. Its proof of play is what the
 * benchmark checks (one row per alert and hamlet); its applied document versions must only go up.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provision } from '../../../../edge/src/fleet/provision.js';
import { startSimSpeaker, type SimSpeaker } from '../../../../firmware-sim/src/speakers/index.js';
import { ManagedProcess, until } from '../../../../test-support/cluster/process.js';
import type { CountingHttp } from './http-client.js';

const EDGE_CLI = fileURLToPath(new URL('../../../../edge/dist/cli.js', import.meta.url));
const MODELS = fileURLToPath(new URL('../../../../../shared/models', import.meta.url));

export interface RealBox {
  edgeId: string;
  hamletCode: string;
  daemon: ManagedProcess;
  speaker: SimSpeaker;
  stop(): Promise<void>;
}

export async function startRealBox(http: CountingHttp, dir: string, hamletCode: string, name: string, isOnline: (edgeId: string) => Promise<boolean>): Promise<RealBox> {
  if (!existsSync(EDGE_CLI)) throw new Error(`${EDGE_CLI} is missing: run \`npx tsc -b\` first (scripts/bench/failover does it)`);
  const created = await http.request<{ id: string }>('POST', '/api/v1/edges', { name, hamletCode });
  if (created.status !== 201) throw new Error(`real box not created: ${created.status} ${JSON.stringify(created.body)}`);
  const token = await http.request<{ token: string }>('POST', `/api/v1/edges/${created.body.id}/claim-tokens`);
  const dataDir = join(dir, `edge-${hamletCode}`);
  mkdirSync(dataDir, { recursive: true });
  await provision({ cloudUrl: http.baseUrl, token: token.body.token, dataDir });
  const edgeId = created.body.id;
  const env: NodeJS.ProcessEnv = { ...process.env, SC_LOG_LEVEL: 'warn', SC_EDGE_DISCOVERY_EVERY_S: '0', ...(existsSync(MODELS) ? { SC_MODEL_DIR: MODELS } : {}) };
  const daemon = new ManagedProcess({
    name: `edge ${hamletCode}`,
    command: process.execPath,
    args: [EDGE_CLI, 'run', '--data-dir', dataDir],
    env,
    logFile: join(dir, `edge-${hamletCode}.log`),
    ready: () => until(`the box of ${hamletCode} online`, () => isOnline(edgeId), 90_000, 250),
  });
  await daemon.start();
  const speaker = await startSimSpeaker({});
  const config = await http.request<{ version: number }>('PUT', `/api/v1/edges/${edgeId}/config`, {
    telemetryIntervalS: 5,
    radio: { speakers: [{ zone: 'main', driver: 'sim', target: speaker.target, volume: 100, statusUrl: speaker.statusUrl }] },
  });
  if (config.status !== 200) throw new Error(`real box config: ${config.status} ${JSON.stringify(config.body)}`);
  await until(`${edgeId}'s loudspeaker configured`, async () => (await http.request<{ reported?: { version: number } }>('GET', `/api/v1/edges/${edgeId}/config`)).body.reported?.version === config.body.version, 60_000, 250);
  return {
    edgeId,
    hamletCode,
    daemon,
    speaker,
    async stop() {
      await daemon.stop(5000);
      await speaker.close();
    },
  };
}
