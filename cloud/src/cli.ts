#!/usr/bin/env node
import { createLogger } from '@smart-commune/shared/runtime';
import { parseCloudArgs } from './cli-usage.js';
import { ConfigError, loadCloudConfig } from './config.js';

/**
 * `sc-cloud`: runs the control plane with configuration from the environment until SIGINT/SIGTERM;
 * `sc-cloud verify-export` checks an evidence bundle offline (no configuration, database or server);
 * `sc-cloud migrate-data` copies the SQLite database into PostgreSQL;
 * `sc-cloud dynsec-file` writes Mosquitto's dynamic-security.json for every active box.
 */
async function main(): Promise<void> {
  const asked = parseCloudArgs(process.argv.slice(2));
  if ('print' in asked) return console.log(asked.print);
  if ('error' in asked) {
    console.error(asked.error);
    process.exit(2);
  }
  if ('verify' in asked) {
    const { runVerifyExport } = await import('./evidence/verify-export-cli.js');
    process.exit(await runVerifyExport(asked.verify, (text) => console.log(text), (text) => console.error(text)));
  }
  if ('migrateData' in asked) {
    const { runMigrateData } = await import('./db/query/migrate-data-cli.js');
    process.exit(await runMigrateData(asked.migrateData, (text) => console.log(text), (text) => console.error(text)));
  }
  if ('dynsecFile' in asked) {
    const { runDynsecFile } = await import('./broker/mosquitto/dynsec-file-cli.js');
    let dynsecConfig;
    try {
      dynsecConfig = loadCloudConfig();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      process.exit(2);
    }
    process.exit(await runDynsecFile(asked.dynsecFile, dynsecConfig, (text) => console.log(text), (text) => console.error(text)));
  }
  // whatever the cloud writes, by code that sets no mode of its own (SQLite, ffmpeg, incident
  // uploads), is for the service user only, as the systemd unit's UMask=0077 would make it
  process.umask(0o077);
  let config;
  try {
    config = loadCloudConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger('sc-cloud', { level: config.SC_LOG_LEVEL });
  const { startCloud } = await import('./server.js'); // loaded only to run: verify-export needs none of it
  const cloud = await startCloud(config, { logger }).catch((err: unknown) => {
    // a configuration only checked at start (the TLS files): the same exit as a wrong variable
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  });
  if (cloud.admin.password) {
    logger.info({ username: cloud.admin.username, passwordFile: cloud.admin.passwordFile }, 'admin login created on first start');
  }
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await cloud.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('sc-cloud failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
