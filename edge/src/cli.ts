#!/usr/bin/env node
import { Command } from 'commander';
import { EdgeConfigError, loadEdgeConfig, resolveDataDir } from './config.js';
import { EDGE_EXIT_RESTART } from './fleet/maintenance.js';
import { createEdgeLogger } from './logs/edge-logger.js';
import { startEdgeDaemon } from './daemon.js';
import { SWITCH_EXIT_CODE } from './supervisor/protocol.js';
import { provision, ProvisionError } from './fleet/provision.js';
import { printChecks, runDoctor } from './cli/doctor.js';
import { printStatus, readStatus } from './cli/status.js';
import { bilingual } from './cli/output.js';
import { EDGE_VERSION } from './version.js';
import { detectFile, FrameSourceError, MODEL_INPUTS, ModelError, type ModelInput } from './vision/index.js';
import { fetchModels } from './vision/model-fetch.js';

/** Stdout and the data dir's rotating log file (sizes from edge.json, defaults if it cannot be read yet). */
function createDaemonLogger(dataDir: string) {
  let limits;
  try {
    limits = loadEdgeConfig(dataDir).logFile;
  } catch {
    limits = undefined; // the daemon's start reports what is wrong with edge.json
  }
  return createEdgeLogger(dataDir, { limits }).logger;
}

/** Errors a technician can act on are printed plainly with exit code 2; anything else is a bug (1). */
function fail(err: unknown): never {
  if (err instanceof EdgeConfigError || err instanceof ProvisionError || err instanceof ModelError || err instanceof FrameSourceError) {
    console.error(`${bilingual('Lỗi', 'Error')}: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}

const program = new Command('sc-edge').version(EDGE_VERSION).description('Smart Commune edge daemon for one hamlet cabinet');

program
  .command('provision')
  .description('claim this box with a one-time token from the console')
  .requiredOption('--cloud <url>', 'the cloud, e.g. http://192.168.1.10:8080')
  .requiredOption('--token <token>', 'the claim token')
  .option('--data-dir <dir>', 'where the box keeps its config and data')
  .option('--force', 'replace an existing provisioning')
  .action(async (opts: { cloud: string; token: string; dataDir?: string; force?: boolean }) => {
    const dataDir = resolveDataDir(opts.dataDir);
    const config = await provision({ cloudUrl: opts.cloud, token: opts.token, dataDir, force: opts.force }).catch(fail);
    console.log(bilingual(`Đã đăng ký tủ "${config.name}" (${config.edgeId}) cho ấp ${config.hamletCode}`, `provisioned as ${config.edgeId}`));
    console.log(bilingual(`Chạy: sc-edge run --data-dir ${dataDir}`, 'start it with the command above'));
  });

program
  .command('run')
  .description('run the daemon until SIGTERM')
  .option('--data-dir <dir>', 'the data dir')
  .action(async (opts: { dataDir?: string }) => {
    const dataDir = resolveDataDir(opts.dataDir);
    const logger = createDaemonLogger(dataDir);
    let stopping = false;
    let switching = false;
    // a switch may be asked while the daemon is still starting: it then stops as soon as it has started
    let stop = async (_signal: string): Promise<void> => undefined;
    const daemon = await startEdgeDaemon({
      dataDir,
      logger,
      // the `restart` command: stop cleanly, then exit for systemd or the supervisor to start it again
      restart: async () => {
        if (stopping) return;
        stopping = true;
        logger.warn({ exitCode: EDGE_EXIT_RESTART }, 'restarting on request');
        await daemon.stop();
        process.exit(EDGE_EXIT_RESTART);
      },
      // the supervisor starts the requested version when this process exits with its switch code
      onSwitchRequested: () => {
        switching = true;
        void stop('switch');
      },
    }).catch(fail);
    stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      await daemon.stop();
      process.exit(switching ? SWITCH_EXIT_CODE : 0);
    };
    if (switching) void stop('switch');
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });

program
  .command('status')
  .description('config, connection and clock offset of this box')
  .option('--data-dir <dir>', 'the data dir')
  .option('--json', 'machine-readable output')
  .action((opts: { dataDir?: string; json?: boolean }) => {
    try {
      const status = readStatus(resolveDataDir(opts.dataDir));
      if (opts.json) console.log(JSON.stringify(status, null, 2));
      else printStatus(status);
      process.exit(status.daemon?.running && status.link?.state === 'connected' ? 0 : 3);
    } catch (err) {
      fail(err);
    }
  });

program
  .command('doctor')
  .description('check ffmpeg, espeak-ng, disk, time sync, broker and credentials')
  .option('--data-dir <dir>', 'the data dir')
  .option('--json', 'machine-readable output')
  .action(async (opts: { dataDir?: string; json?: boolean }) => {
    const checks = await runDoctor(resolveDataDir(opts.dataDir));
    if (opts.json) console.log(JSON.stringify(checks, null, 2));
    else printChecks(checks);
    process.exit(checks.every((c) => c.ok) ? 0 : 1);
  });

program
  .command('detect <file>')
  .description('run the person/vehicle detector on an image (jpg/png) or a video file')
  .option('--model <dirOrFile>', 'model directory or .onnx file (default $SC_MODEL_DIR)')
  .option('--input <size>', `model input: ${MODEL_INPUTS.join(', ')}`)
  .option('--every <n>', 'videos: every Nth frame', (v) => Number(v), 1)
  .option('--json', 'one JSON object per frame')
  .action(async (file: string, opts: { model?: string; input?: string; every: number; json?: boolean }) => {
    if (opts.input && !MODEL_INPUTS.includes(opts.input as ModelInput)) fail(new EdgeConfigError(`--input must be one of ${MODEL_INPUTS.join(', ')}`));
    await detectFile(file, { model: opts.model, input: opts.input as ModelInput | undefined, every: opts.every, json: opts.json }).catch(fail);
    process.exit(0);
  });

program
  .command('fetch-models')
  .description('download the YOLOX-Nano models from their pinned source and check their sha256')
  .requiredOption('--dir <dir>', 'where to put them (then set SC_MODEL_DIR or edge.json modelDir to it)')
  .option('--input <size...>', `sizes to fetch: ${MODEL_INPUTS.join(', ')}`, [...MODEL_INPUTS])
  .option('--base-url <url>', 'a mirror of the pinned folder')
  .action(async (opts: { dir: string; input: string[]; baseUrl?: string }) => {
    const bad = opts.input.find((i) => !MODEL_INPUTS.includes(i as ModelInput));
    if (bad) fail(new EdgeConfigError(`--input ${bad} is not one of ${MODEL_INPUTS.join(', ')}`));
    const written = await fetchModels(opts.dir, opts.input as ModelInput[], opts.baseUrl).catch(fail);
    console.log(bilingual(`Mô hình đã sẵn sàng trong ${opts.dir} (tải mới ${written.length} tệp)`, `models ready in ${opts.dir}`));
  });

program.parseAsync().catch(fail);
