#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { describeIssues, ReleaseError, releaseKeysFileSchema, type ReleaseKeySet } from '@smart-commune/shared';
import { createLogger } from '@smart-commune/shared/runtime';
import { bilingual } from '../cli/output.js';
import { installBundle, verifyBundleFile } from '../releases/install.js';
import { loadTrustedKeys, rotateTrustedKeys, storeInitialKeys } from '../releases/trusted-keys.js';
import { SupervisorConfigError, supervisorSettingsFromEnv } from './config.js';
import { fsyncDir, ProtocolFileError, readJsonFile, writeJsonDurable } from './durable.js';
import { edgeHomeLayout, type EdgeHomeLayout } from './layout.js';
import { lastFailureSchema, supervisorStateSchema } from './protocol.js';
import { requestSwitch } from './daemon-side.js';
import { SupervisorStartError } from './start-checks.js';
import { Supervisor } from './supervisor.js';

/** `sc-edge-supervisor`: what systemd runs on a box, and the technician's install/switch/status commands. */

function fail(err: unknown): never {
  if (err instanceof SupervisorConfigError || err instanceof SupervisorStartError || err instanceof ReleaseError || err instanceof ProtocolFileError || err instanceof CliError) {
    console.error(`${bilingual('Lỗi', 'Error')}: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}

class CliError extends Error {}

function layoutOf(opts: { home?: string }): EdgeHomeLayout {
  return edgeHomeLayout(supervisorSettingsFromEnv(process.env, opts.home).home);
}

/** A keys file: a key set (keys/release-keys.json), one public key (`… .pub.json` from scripts/release-keygen) or a list of them. */
function readKeysFile(path: string): ReleaseKeySet['keys'] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read the keys file ${path}: ${(err as Error).message}`);
  }
  const parsed = releaseKeysFileSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${path} holds no release public key: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Points supervisor/program at a release (the supervisor code systemd runs), atomically. */
function pointProgramAt(layout: EdgeHomeLayout, version: string): void {
  const tmp = `${layout.program}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(relative(layout.supervisorDir, layout.releaseDir(version)), tmp);
  renameSync(tmp, layout.program);
  fsyncDir(layout.supervisorDir);
}

const program = new Command('sc-edge-supervisor').description('runs the edge daemon of the current release; switches and rolls back releases');

program
  .command('run')
  .description('run the current release until SIGTERM (what systemd starts); SIGHUP acts on a switch request now')
  .option('--home <dir>', 'the box home (default SC_EDGE_HOME or /opt/smart-commune-edge)')
  .action(async (opts: { home?: string }) => {
    const settings = supervisorSettingsFromEnv(process.env, opts.home);
    const logger = createLogger('sc-edge-supervisor');
    const supervisor = new Supervisor({ ...settings, logger });
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      void supervisor.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void supervisor.reconsider());
    await supervisor.start().catch(fail);
  });

program
  .command('install <bundle>')
  .description('check a release bundle and install it beside the others (offline); the first install becomes current')
  .option('--home <dir>', 'the box home')
  .option('--keys <file>', 'release public keys to trust when the box has none yet')
  .option('--supervisor', 'also run the supervisor of this release from its next start')
  .action(async (bundle: string, opts: { home?: string; keys?: string; supervisor?: boolean }) => {
    const layout = layoutOf(opts);
    let keys = loadTrustedKeys(layout)?.keys;
    if (!keys) {
      if (!opts.keys) throw new CliError(`no release keys in ${layout.keysFile}: give them with --keys FILE (the province's public key)`);
      keys = storeInitialKeys(layout, readKeysFile(opts.keys)).keys;
    }
    const { manifest, alreadyInstalled } = await installBundle(bundle, { layout, publicKeys: keys }).catch(fail);
    console.log(bilingual(`Đã ${alreadyInstalled ? 'có sẵn' : 'cài'} bản ${manifest.version}`, `${alreadyInstalled ? 'already installed' : 'installed'}: ${manifest.version} (${manifest.arch})`));
    const state = readJsonFile(layout.state, supervisorStateSchema);
    mkdirSync(layout.supervisorDir, { recursive: true });
    mkdirSync(layout.data, { recursive: true });
    if (!state) {
      writeJsonDurable(layout.state, { format: 1, current: manifest.version, previous: null, trial: null, updatedAt: Date.now() });
      pointProgramAt(layout, manifest.version);
      console.log(bilingual(`Bản ${manifest.version} là bản đang dùng`, 'it is the current release; start: systemctl enable --now sc-edge-supervisor'));
    } else {
      if (opts.supervisor) pointProgramAt(layout, manifest.version);
      console.log(bilingual(`Chuyển sang bản này: sc-edge-supervisor switch ${manifest.version}`, 'switch to it with the command above'));
    }
  });

program
  .command('verify <bundle>')
  .description('check a release bundle (edge or cloud) without installing it: signature, every file\'s size and sha256')
  .option('--home <dir>', 'the box home (its trusted keys)')
  .option('--keys <file>', 'check against these public keys instead')
  .action(async (bundle: string, opts: { home?: string; keys?: string }) => {
    const keys = opts.keys ? readKeysFile(opts.keys) : (loadTrustedKeys(layoutOf(opts))?.keys ?? []);
    const manifest = await verifyBundleFile(bundle, keys);
    console.log(bilingual(`Gói hợp lệ: ${manifest.product} ${manifest.version} (${manifest.arch}), ${manifest.files.length} tệp`, 'the bundle is complete and signed by a trusted key'));
  });

program
  .command('switch <version>')
  .description('ask the running supervisor to switch to an installed release (on trial, rolled back if unhealthy)')
  .option('--home <dir>', 'the box home')
  .action((version: string, opts: { home?: string }) => {
    const layout = layoutOf(opts);
    if (!existsSync(layout.releaseDir(version))) throw new CliError(`release ${version} is not installed in ${layout.releases}`);
    requestSwitch(layout, { version, rolloutId: null });
    console.log(bilingual('Đã ghi yêu cầu chuyển bản; áp dụng: systemctl reload sc-edge-supervisor', 'switch requested; apply it now with: systemctl reload sc-edge-supervisor'));
  });

program
  .command('rotate-keys <message>')
  .description('apply a key-rotation message signed with a key this box trusts (scripts/release-keys rotate)')
  .option('--home <dir>', 'the box home')
  .action((message: string, opts: { home?: string }) => {
    const layout = layoutOf(opts);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(message, 'utf8'));
    } catch (err) {
      throw new CliError(`cannot read ${message}: ${(err as Error).message}`);
    }
    const next = rotateTrustedKeys(layout, raw);
    console.log(bilingual(`Đã đổi khóa phát hành (lần ${next.sequence})`, `release keys now: ${next.keys.map((k) => k.keyId).join(', ')}`));
  });

program
  .command('status')
  .description('current, previous and trial releases, and the last failed switch')
  .option('--home <dir>', 'the box home')
  .option('--json', 'machine-readable output')
  .action((opts: { home?: string; json?: boolean }) => {
    const layout = layoutOf(opts);
    const state = readJsonFile(layout.state, supervisorStateSchema);
    const failure = readJsonFile(layout.lastFailure, lastFailureSchema);
    if (opts.json) return void console.log(JSON.stringify({ state, lastFailure: failure }, null, 2));
    if (!state) return void console.log(bilingual('Chưa cài bản nào', `nothing installed in ${join(layout.home, 'releases')}`));
    console.log(bilingual(`Bản đang dùng: ${state.current}`, 'current'));
    console.log(bilingual(`Bản trước: ${state.previous ?? '—'}`, 'previous'));
    if (state.trial) console.log(bilingual(`Đang thử bản: ${state.trial.version}`, `on trial since ${new Date(state.trial.startedAt).toISOString()}`));
    if (failure) console.log(bilingual(`Lần chuyển bản lỗi gần nhất: ${failure.version} (${failure.reason}) ${failure.detail}`, `last failed switch at ${new Date(failure.at).toISOString()}`));
  });

program.parseAsync().catch(fail);
