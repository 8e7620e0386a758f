import { cloudConfigSchema } from './config.js';
import { DYNSEC_FILE_HELP, parseDynsecFileArgs, type DynsecFileRequest } from './broker/mosquitto/dynsec-file-cli.js';
import { MIGRATE_DATA_HELP, parseMigrateDataArgs, type MigrateDataRequest } from './db/query/migrate-data-cli.js';
import { parseVerifyArgs, VERIFY_HELP, type VerifyRequest } from './evidence/verify-export-cli.js';
import { CLOUD_VERSION } from './version.js';

/**
 * `sc-cloud --help` and `--version`: the program takes no arguments, only environment variables,
 * so the help lists those with their defaults (docs/operations.md explains each).
 */
export function usage(): string {
  const defaults = cloudConfigSchema.parse({}) as Record<string, unknown>;
  const lines = Object.keys(cloudConfigSchema.shape).map((name) => {
    const value = defaults[name];
    return `  ${name.padEnd(40)} ${value === undefined ? '(unset)' : String(value)}`;
  });
  return [
    `sc-cloud ${CLOUD_VERSION}: máy chủ điều khiển Smart Commune / the Smart Commune control plane`,
    '',
    'Usage: sc-cloud            runs until SIGINT or SIGTERM',
    '       sc-cloud --version',
    '       sc-cloud verify-export FILE.zip [--public-key PEM_FILE | --fingerprint HEX]',
    '                           kiểm tra gói bằng chứng, không cần máy chủ / checks an evidence export offline',
    '                           (exit 0 hợp lệ / verified, 1 bị từ chối / refused, 2 sai lệnh / usage)',
    '       sc-cloud migrate-data --from sqlite:PATH --to postgres://… [--force]',
    '                           chép dữ liệu SQLite sang PostgreSQL / copies the SQLite database into PostgreSQL',
    '       sc-cloud dynsec-file --out PATH [--keep-from FILE] [--force]',
    '                           tài khoản Mosquitto của mọi tủ / writes Mosquitto\'s dynamic-security.json for every active box',
    '',
    'Cấu hình bằng biến môi trường / configured by environment variables (default):',
    ...lines,
    '',
    'See docs/operations.md, "sc-cloud configuration".',
  ].join('\n');
}

/** What the command line asks for: run, print something, check an export, or a mistake to name. */
export function parseCloudArgs(
  args: readonly string[],
): { run: true } | { print: string } | { verify: VerifyRequest } | { migrateData: MigrateDataRequest } | { dynsecFile: DynsecFileRequest } | { error: string } {
  if (args.length === 0) return { run: true };
  if (args[0] === 'dynsec-file') {
    if (args.includes('--help') || args.includes('-h')) return { print: DYNSEC_FILE_HELP };
    const request = parseDynsecFileArgs(args.slice(1));
    return 'error' in request ? request : { dynsecFile: request };
  }
  if (args[0] === 'migrate-data') {
    if (args.includes('--help') || args.includes('-h')) return { print: MIGRATE_DATA_HELP };
    const request = parseMigrateDataArgs(args.slice(1));
    return 'error' in request ? request : { migrateData: request };
  }
  if (args[0] === 'verify-export') {
    if (args.includes('--help') || args.includes('-h')) return { print: VERIFY_HELP };
    const request = parseVerifyArgs(args.slice(1));
    return 'error' in request ? request : { verify: request };
  }
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return { print: usage() };
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return { print: CLOUD_VERSION };
  return { error: `sc-cloud takes no arguments but verify-export, migrate-data and dynsec-file (got ${args.map((a) => JSON.stringify(a)).join(' ')}); configure it with environment variables, see sc-cloud --help` };
}
