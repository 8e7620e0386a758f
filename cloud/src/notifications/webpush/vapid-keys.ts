import { createECDH } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';
import type { CloudConfig } from '../../config.js';
import { makePrivateDir, PRIVATE_FILE } from '../../private-files.js';

export type VapidConfig = Pick<CloudConfig, 'SC_DATA_DIR' | 'SC_VAPID_PUBLIC_KEY' | 'SC_VAPID_PRIVATE_KEY' | 'SC_VAPID_SUBJECT' | 'SC_PUBLIC_URL'>;

export interface VapidKeys {
  /** base64url of the uncompressed P-256 point: what browsers take as `applicationServerKey`. */
  publicKey: string;
  privateKey: string;
  /** The JWT's `sub`: how a push service reaches the commune about its pushes. */
  subject: string;
}

const keyFile = z.object({ publicKey: z.string().min(86), privateKey: z.string().min(42) });

/** Where the generated pair is kept: beside the secret key, not in the database (a database copy must not carry it). */
export const vapidKeyFile = (config: Pick<CloudConfig, 'SC_DATA_DIR'>) => join(config.SC_DATA_DIR, 'keys', 'vapid.json');

/**
 * The cloud's VAPID key pair (RFC 8292): SC_VAPID_PUBLIC_KEY and SC_VAPID_PRIVATE_KEY when set (several
 * processes must sign with the same pair, or their pushes are refused for the devices subscribed
 * through another), else the pair generated at the first start and kept (0600) in the data dir.
 * Devices subscribe with the public key, so it must never change silently.
 */
export function loadVapidKeys(config: VapidConfig): VapidKeys {
  const subject = config.SC_VAPID_SUBJECT ?? (config.SC_PUBLIC_URL?.startsWith('https://') ? new URL(config.SC_PUBLIC_URL).origin : 'mailto:notifications@smart-commune.vn');
  if (config.SC_VAPID_PUBLIC_KEY || config.SC_VAPID_PRIVATE_KEY) {
    if (!config.SC_VAPID_PUBLIC_KEY || !config.SC_VAPID_PRIVATE_KEY) throw new Error('SC_VAPID_PUBLIC_KEY and SC_VAPID_PRIVATE_KEY must be set together');
    return checked({ publicKey: config.SC_VAPID_PUBLIC_KEY, privateKey: config.SC_VAPID_PRIVATE_KEY, subject }, 'SC_VAPID_*');
  }
  const file = vapidKeyFile(config);
  if (!existsSync(file)) {
    makePrivateDir(dirname(file));
    try {
      // 'wx': a pair another process wrote meanwhile wins (its devices already subscribed with it)
      writeFileSync(file, `${JSON.stringify(webpush.generateVAPIDKeys())}\n`, { mode: PRIVATE_FILE, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const parsed = keyFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`the VAPID key file ${file} is not {"publicKey","privateKey"}: delete it to generate a new pair (devices then subscribe again)`);
  return checked({ ...parsed.data, subject }, `the VAPID key file ${file}`);
}

/** A pair whose halves do not belong together would sign pushes every push service refuses: refuse to start instead. */
function checked(keys: VapidKeys, source: string): VapidKeys {
  const pub = Buffer.from(keys.publicKey, 'base64url');
  const priv = Buffer.from(keys.privateKey, 'base64url');
  if (pub.length !== 65 || pub[0] !== 4 || priv.length !== 32) throw new Error(`${source}: not a P-256 key pair (65-byte public point, 32-byte private key)`);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(priv);
  if (!ecdh.getPublicKey().equals(pub)) throw new Error(`${source}: the public key is not the private key's`);
  return keys;
}
