/**
 * Runs simulated cameras in their own process:
 * `node firmware-sim/dist/cameras/main.js --hamlets ap-1,ap-2 --per-hamlet 1 [--clip PATH]
 *  [--username admin --password admin] [--rtsp-auth] [--multicast-port 3702|none]`.
 * Defaults: the nine hamlets of the pilot commune, one camera each, $SC_CAMERA_CLIP or the shared
 * clip, $SC_CAMERA_USERNAME / $SC_CAMERA_PASSWORD or admin / admin.
 * Prints one JSON line `{cameras: [SimCameraConfig…]}` on stdout once every camera is up; stops on
 * SIGTERM or SIGINT (the GStreamer servers also die with this process).
 */
import { startCommuneCameras } from './launcher.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const hamletArg = arg('hamlets');
const multicast = arg('multicast-port');
const cameras = await startCommuneCameras({
  ...(hamletArg ? { hamlets: hamletArg.split(',').filter(Boolean).map((code) => ({ code })) } : {}),
  perHamlet: Number(arg('per-hamlet') ?? 1),
  username: arg('username') ?? process.env.SC_CAMERA_USERNAME ?? 'admin',
  password: arg('password') ?? process.env.SC_CAMERA_PASSWORD ?? 'admin',
  ...(arg('clip') ? { clip: arg('clip')! } : {}),
  rtspAuth: process.argv.includes('--rtsp-auth'),
  ...(multicast ? { multicastPort: multicast === 'none' ? null : Number(multicast) } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify({ cameras: cameras.configs })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cameras.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
