import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudConfig } from '../../config.js';
import { openQueryDatabase } from '../../db/query/index.js';
import { DeviceCredentials } from '../../fleet/device-credentials.js';
import { PRIVATE_FILE } from '../../private-files.js';
import { loadSecretBox } from '../../secrets/secret-keys.js';
import { buildDynsecFile, parseDynsecConfig } from './dynsec-file.js';
import { adminCredential } from './start.js';

/**
 * `sc-cloud dynsec-file`: writes Mosquitto's whole dynamic-security.json from the cloud's database,
 * one client and one role per active box with its sealed secret, for a province's broker that must
 * hold thousands of accounts (docs/operations.md, "Provisioning a province's broker"). Through
 * $CONTROL the plugin rewrites its file after every command; a broker started with this file has
 * them all at once, and the cloud's reconcile then finds it in step.
 */

export const DYNSEC_FILE_HELP = [
  'Usage: sc-cloud dynsec-file --out PATH [--keep-from FILE] [--force]',
  '',
  'Viết tệp tài khoản Mosquitto cho mọi tủ đang hoạt động / writes Mosquitto 2\'s dynamic-security.json:',
  'the default ACL access set to deny, one client and one role per active box with its secret (from the',
  "database of SC_DATABASE_URL or SC_DATA_DIR, unsealed with the cloud's secret key), and the admin account:",
  "  --keep-from FILE  the broker's present dynamic-security.json: its accounts and roles other than",
  "                    boxes' are kept as they are (the admin's included); boxes' entries are replaced",
  '  (without it)      the admin is created from SC_MQTT_URL=mqtt://user:password@host:port',
  '  --out PATH        where to write (0600); stop Mosquitto first, write, then start it with the file',
  '  --force           replace PATH when it exists (PATH may be the --keep-from file)',
  'Exit: 0 written, 1 refused (names why), 2 usage.',
].join('\n');

export interface DynsecFileRequest {
  out: string;
  keepFrom: string | null;
  force: boolean;
}

export function parseDynsecFileArgs(args: readonly string[]): DynsecFileRequest | { error: string } {
  const request: DynsecFileRequest = { out: '', keepFrom: null, force: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--force') request.force = true;
    else if (arg === '--out' || arg === '--keep-from') {
      const value = args[++i];
      if (!value || value.startsWith('--')) return { error: `${arg} needs a file path\n\n${DYNSEC_FILE_HELP}` };
      if (arg === '--out') request.out = value;
      else request.keepFrom = value;
    } else return { error: `unknown argument ${JSON.stringify(arg)}\n\n${DYNSEC_FILE_HELP}` };
  }
  if (!request.out) return { error: `--out is required\n\n${DYNSEC_FILE_HELP}` };
  return request;
}

/** Writes the file and prints what it holds; returns the exit code. */
export async function runDynsecFile(request: DynsecFileRequest, config: CloudConfig, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  try {
    if (existsSync(request.out) && !request.force) throw new Error(`${request.out} exists: add --force to replace it`);
    const existing = request.keepFrom ? parseDynsecConfig(readFileSync(request.keepFrom, 'utf8'), request.keepFrom) : undefined;
    const admin = existing ? undefined : config.SC_MQTT_URL ? adminCredential(config.SC_MQTT_URL) : undefined;
    // before the database opens: nothing to write without an account able to administer the broker
    if (!existing && !admin) buildDynsecFile({ accounts: [] });
    const query = await openQueryDatabase({ SC_DATABASE_URL: config.SC_DATABASE_URL, sqliteFile: join(config.SC_DATA_DIR, 'cloud.db') });
    let accounts;
    try {
      accounts = await new DeviceCredentials(query, loadSecretBox(config)).activeAccounts();
    } finally {
      await query.close();
    }
    const built = buildDynsecFile({ accounts, ...(existing ? { existing } : {}), ...(admin ? { admin: { username: admin.username, password: admin.password } } : {}) });
    // whole or not at all: the broker never starts with half a file
    const temporary = `${request.out}.tmp-${process.pid}`;
    writeFileSync(temporary, JSON.stringify(built.config, null, '\t'), { mode: PRIVATE_FILE });
    renameSync(temporary, request.out);
    out(`${request.out}: ${built.boxes} box account(s), kept ${built.kept.join(', ')}; default ACL access: deny`);
    if (built.unsealed.length > 0) {
      out(
        `${built.unsealed.length} active box(es) left out: their secret is not sealed (claimed before secrets were kept) and the kept file has no account for them: ` +
          `${built.unsealed.slice(0, 20).join(', ')}${built.unsealed.length > 20 ? ' …' : ''}. Issue each a claim token.`,
      );
    }
    return 0;
  } catch (e) {
    err(`dynsec-file refused: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
