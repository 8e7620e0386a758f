/**
 * Runs simulated speakers in their own process (their timing then does not share an event loop with
 * an edge daemon): `node firmware-sim/dist/speakers/main.js --hamlets h1,h2 --per-hamlet 1`.
 * Prints one JSON line `{hamlets: [{hamlet, configs}]}` on stdout once listening; stops on SIGTERM/SIGINT.
 */
import { startHamletSpeakers, type HamletSpeakers } from './launcher.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const hamlets = arg('hamlets', 'hamlet-1').split(',').filter(Boolean);
const perHamlet = Number(arg('per-hamlet', '1'));
const host = arg('host', '127.0.0.1');

const running: HamletSpeakers[] = [];
for (const hamlet of hamlets) running.push(await startHamletSpeakers({ hamlet, count: perHamlet, host }));
process.stdout.write(`${JSON.stringify({ hamlets: running.map((h) => ({ hamlet: h.hamlet, configs: h.configs })) })}\n`);

const stop = async () => {
  await Promise.all(running.map((h) => h.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
