import { DEFAULT_EDGES, INTERVAL_S } from './common.js';

export interface Options {
  /** embedded: the cloud's own Aedes; mosquitto: Debian's Mosquitto (today its bare side only, see run.ts). */
  broker: 'embedded' | 'mosquitto';
  edges: number;
  durationS: number;
  workers: number;
  connectWindow: number;
  connectDeadlineS: number;
  stormTimeoutS: number;
  provisionConcurrency: number;
  keepData: boolean;
  /**
   * --broker mosquitto only: the boxes' accounts are not made claim by claim through dynamic
   * security but written by `sc-cloud dynsec-file` after provisioning, the broker restarted with it
   * (how a province's broker is provisioned); the cloud then runs without keeping accounts.
   */
  preprovision: boolean;
}

export function usage(): string {
  return `usage: scripts/bench/fleet [options]
  --broker B           embedded (default) or mosquitto: Debian's Mosquitto with the same clients (default 10000 edges)
  --edges N            simulated edge boxes (default ${DEFAULT_EDGES}, or env BENCH_EDGES)
  --duration S         steady-state measurement window in seconds (default 40; split into ${INTERVAL_S} s windows)
  --workers W          child processes running the simulated edges (default: 1 per 1,000 edges, 1..4)
  --connect-window K   connection attempts in flight at once during the connect phase (default 200)
  --connect-deadline S give up connecting after S seconds (default 60)
  --storm-timeout S    give up waiting for the reconnect storm after S seconds (default 90)
  --keep-data          keep the cloud's temporary data dir and log
  --preprovision       with --broker mosquitto: accounts written with sc-cloud dynsec-file after the claims, the
                       broker restarted with the file (no per-claim dynsec commands; the cloud keeps no accounts)`;
}

export function parseOptions(argv: string[]): Options {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      console.log(usage());
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${usage()}`);
    const eq = arg.indexOf('=');
    if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--keep-data') flags.add('keep-data');
    else if (arg === '--preprovision') flags.add('preprovision');
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${usage()}`);
      values.set(arg.slice(2), value);
    }
  }
  const known = new Set(['broker', 'edges', 'duration', 'workers', 'connect-window', 'connect-deadline', 'storm-timeout']);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}\n${usage()}`);
  const int = (key: string, fallback: number, min: number, max: number) => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} must be an integer in ${min}..${max} (got ${raw})`);
    return n;
  };
  const envEdges = process.env.BENCH_EDGES ? Number(process.env.BENCH_EDGES) : undefined;
  if (envEdges !== undefined && (!Number.isInteger(envEdges) || envEdges < 1)) throw new Error(`BENCH_EDGES must be a positive integer`);
  const broker = values.get('broker') ?? 'embedded';
  if (broker !== 'embedded' && broker !== 'mosquitto') throw new Error(`--broker must be embedded or mosquitto (got ${broker})`);
  if (flags.has('preprovision') && broker !== 'mosquitto') throw new Error('--preprovision needs --broker mosquitto');
  const edges = int('edges', envEdges ?? (broker === 'mosquitto' ? 10_000 : DEFAULT_EDGES), 1, 20_000);
  return {
    broker,
    edges,
    durationS: int('duration', 40, 5, 600),
    workers: Math.min(edges, int('workers', Math.min(4, Math.max(1, Math.ceil(edges / 1000))), 1, 16)),
    connectWindow: int('connect-window', 200, 1, 20_000),
    connectDeadlineS: int('connect-deadline', 60, 5, 600),
    stormTimeoutS: int('storm-timeout', 90, 5, 600),
    provisionConcurrency: 20,
    keepData: flags.has('keep-data'),
    preprovision: flags.has('preprovision'),
  };
}
