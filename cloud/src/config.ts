import { z } from 'zod';
import { describeIssues, MAX_PAYLOAD_BYTES } from '@smart-commune/shared';
import { parseTrustedProxies, trustedProxiesErrors } from './http/trusted-proxies.js';

const port = z.coerce.number().int().min(0).max(65535);
const isKey = (text: string) => Buffer.from(text.trim(), 'base64').length === 32;
const KEY_RULE = 'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)';

/** Everything the control plane reads from its environment, with the embedded defaults of the demo. */
export const cloudConfigSchema = z.object({
  SC_HTTP_HOST: z.string().default('127.0.0.1'),
  SC_HTTP_PORT: port.default(8080),
  SC_MQTT_HOST: z.string().default('127.0.0.1'),
  SC_MQTT_PORT: port.default(1883),
  /** Use this broker instead of the embedded one (mqtt://user:pass@host:port); the cloud then connects as a client. */
  SC_MQTT_URL: z.string().url().optional(),
  /**
   * With SC_MQTT_URL pointing at Mosquitto 2 with its dynamic security plugin: the cloud keeps the
   * broker's box accounts in step (one client and one role per box; broker/mosquitto/), with the
   * URL's credential as dynsec administrator (it also needs read/write of sc/#).
   */
  SC_MQTT_DYNSEC: z.enum(['0', '1']).default('0'),
  /**
   * With SC_MQTT_DYNSEC=1: how long a claim's (and a live rotation's) answer waits for the box's
   * account to be applied on Mosquitto, so the box is accepted the first time it connects. Past it
   * the answer goes anyway (logged, counted in sc_broker_account_waits_total{outcome="timeout"}).
   */
  SC_MQTT_DYNSEC_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  /** Other Mosquitto accounts (comma-separated usernames) the cloud's reconcile must leave enabled; the URL's own is always kept. */
  SC_MQTT_DYNSEC_KEEP: z
    .string()
    .default('')
    .transform((list) => list.split(',').map((name) => name.trim()).filter(Boolean)),
  /**
   * With SC_MQTT_URL and several cloud processes: the group of the shared subscriptions
   * ($share/<group>/…) through which the processes split the boxes' traffic (events, telemetry,
   * availability, reported) so each message is consumed by one of them. Unset: every process
   * receives everything (one process, or a broker without shared subscriptions).
   */
  SC_MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'SC_MQTT_SHARE_GROUP: letters, digits, _ and - only (1 to 64), no / + #')
    .optional(),
  /**
   * With SC_MQTT_URL: this process's own MQTT client id, opening a persistent session (clean session
   * off) so that what the broker queued or had in flight for the process while it was down (killed,
   * restarted) is delivered when it returns. Every process needs its own (e.g. its instance name); on
   * PostgreSQL a second process started with an id already in use refuses to start. Unset: a fresh
   * id and a clean session on every connection.
   */
  SC_MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'SC_MQTT_CLIENT_ID: letters, digits, _ . and - only (1 to 64)')
    .optional(),
  /** Broker address handed to edges at claim time; defaults to the embedded broker on the HTTP request's host. */
  SC_MQTT_PUBLIC_URL: z.string().url().optional(),
  /** Base URL handed to edges at claim time and used in the public feed; defaults to the URL the request arrived on (if its host is allowed). */
  SC_PUBLIC_URL: z.string().url().optional(),
  /**
   * Hosts a request's Host header may name for it to be used in links others keep (feed, provisioning
   * command, claim addresses); any other gets the first of these. Default: see defaultAllowedHosts().
   */
  SC_ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\s*(,\s*([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\s*)*$/i, 'a comma-separated list of host names or addresses, each optionally with :port')
    .optional(),
  /**
   * Reverse proxies (HAProxy, nginx) in front of the cloud, as addresses and CIDR ranges, IPv4 and
   * IPv6, separated by commas (e.g. `10.0.0.5, 10.0.1.0/24, fd00::/8`). A request whose TCP peer is
   * one of them is taken to come from the client its X-Forwarded-For names (the rightmost address
   * that is not itself one of these); from anyone else the header is ignored. Unset: the socket's
   * peer is the client, as when the cloud faces the network itself.
   */
  SC_TRUSTED_PROXIES: z
    .string()
    .superRefine((text, ctx) => {
      for (const message of trustedProxiesErrors(text)) ctx.addIssue({ code: 'custom', message });
    })
    .optional(),
  /**
   * 1: the proxies of SC_TRUSTED_PROXIES speak the PROXY protocol (HAProxy's `send-proxy` or
   * `send-proxy-v2`) to the HTTP listener: each of their connections must start with its header,
   * whose source address is the client (X-Forwarded-For is then not read); from anyone else a
   * connection starting with one is closed. Needs SC_TRUSTED_PROXIES.
   */
  SC_PROXY_PROTOCOL: z.enum(['0', '1']).default('0'),
  /**
   * PEM certificate (chain) and private key files: when both are set the cloud serves HTTPS itself on
   * SC_HTTP_PORT (browsers give the live page the microphone only on a secure page). Unset: plain http,
   * for a LAN or behind a TLS reverse proxy (docs/operations.md, TLS).
   */
  SC_TLS_CERT: z.string().min(1).optional(),
  SC_TLS_KEY: z.string().min(1).optional(),
  SC_DATA_DIR: z.string().default('.data/cloud'),
  /**
   * PostgreSQL 15 or newer for the cloud's data (postgres://user:password@host:port/database),
   * migrated at start under an advisory lock; unset: the SQLite file cloud.db in SC_DATA_DIR.
   * `sc-cloud migrate-data` copies an existing SQLite file into it.
   */
  SC_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// address (postgres://user:password@host:port/database)')
    .optional(),
  /**
   * S3-compatible object storage for media (Garage, SeaweedFS, Ceph RGW, MinIO, AWS): all five
   * together, or none for local disk under SC_DATA_DIR. Addressed path-style (bucket in the path).
   * Not used by the domains yet in this version (docs/operations.md, "Media storage").
   */
  SC_S3_ENDPOINT: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, 'must be http(s)://host[:port] of the S3 API, without a path').optional(),
  SC_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lower-case letters, digits, dots and hyphens)')
    .optional(),
  /** The region the server expects in signatures (AWS: the bucket's, e.g. ap-southeast-1; Garage: its s3_region, default garage). */
  SC_S3_REGION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region name such as ap-southeast-1 or garage').optional(),
  SC_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  SC_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /**
   * Every cloud process beats in the database this often (cluster/process-registry.ts); one silent
   * for SC_PROCESS_DEAD_AFTER_S is dead: the leader ends the live sessions and relays it had on air.
   */
  SC_PROCESS_BEAT_S: z.coerce.number().min(0.2).max(60).default(2),
  SC_PROCESS_DEAD_AFTER_S: z.coerce.number().min(1).max(600).default(10),
  SC_ADMIN_USERNAME: z.string().min(1).default('admin'),
  SC_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /**
   * Password of the cloud's own MQTT credential (`sc-cloud`) on the embedded broker; or the file
   * holding it. Unset (one process on SQLite): generated once into <SC_DATA_DIR>/service-password.txt.
   * Required with SC_DATABASE_URL and the embedded broker (cluster/shared-secrets.ts).
   */
  SC_SERVICE_PASSWORD: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -base64 24`)').optional(),
  SC_SERVICE_PASSWORD_FILE: z.string().min(1).optional(),
  SC_CLAIM_TOKEN_TTL_S: z.coerce.number().int().positive().default(24 * 3600),
  SC_SESSION_TTL_S: z.coerce.number().int().positive().default(12 * 3600),
  /** Heartbeat interval given to edges; three missed ones mark a box offline. */
  SC_TELEMETRY_INTERVAL_S: z.coerce.number().int().min(2).max(3600).default(10),
  /** Messages per second each MQTT client may publish (burst of twice that); excess QoS 0 is dropped. */
  SC_MQTT_RATE_PER_S: z.coerce.number().positive().default(20),
  /** Can only lower the contract's cap: both sides' decoders refuse anything above MAX_PAYLOAD_BYTES. */
  SC_MQTT_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().max(MAX_PAYLOAD_BYTES).default(MAX_PAYLOAD_BYTES),
  /** MQTT sockets from one address that may be open before logging in; more are closed at once (raise it when many boxes share one NAT). */
  SC_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS: z.coerce.number().int().positive().default(16),
  /**
   * The credential an external broker (EMQX, Mosquitto with mosquitto-go-auth) presents to the cloud's
   * HTTP authentication endpoint (/api/v1/broker/…), as `Authorization: Bearer <token>` or as the
   * password of HTTP Basic. Unset: that endpoint is off. At least 32 characters of letters, digits,
   * `-` and `_` (e.g. `openssl rand -hex 32`), so it can sit in a URL's user part for go-auth.
   */
  SC_BROKER_AUTH_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,256}$/, 'must be 32–256 letters, digits, "-" or "_" (e.g. `openssl rand -hex 32`)')
    .optional(),
  SC_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Speech engine: espeak-ng (offline, default) or a command template such as a neural engine (see SC_TTS_COMMAND). */
  SC_TTS_ENGINE: z.enum(['espeak-ng', 'command']).default('espeak-ng'),
  /** For SC_TTS_ENGINE=command: e.g. `piper --model vi.onnx --output_file {out}` (text on stdin; {voice}, {speed} too). */
  SC_TTS_COMMAND: z.string().optional(),
  /** Default voice for alerts and bulletins without one: the commune is in the Mekong Delta, so Southern. */
  SC_TTS_DEFAULT_VOICE: z.string().default('vi-vn-x-south'),
  /** A CAP message without `expires` sent longer ago than this is refused as stale (a replayed or delayed warning). */
  SC_CAP_MAX_AGE_S: z.coerce.number().int().positive().default(3600),
  SC_AUDIO_FORMAT: z.enum(['opus', 'mp3']).default('opus'),
  /** default (a generated chime), none, or the path of an audio file played before and after each bulletin. */
  SC_AUDIO_CHIME: z.string().default('default'),
  SC_AUDIO_MAX_DURATION_S: z.coerce.number().int().positive().default(30 * 60),
  SC_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** Incidents (with their files) older than this are deleted, unless on legal hold. */
  SC_INCIDENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  SC_INCIDENT_SNAPSHOT_MAX_BYTES: z.coerce.number().int().positive().default(5 * 1024 * 1024),
  // 30 minutes of footage asked by time from a 4 Mbit/s camera is about 900 MB
  SC_INCIDENT_CLIP_MAX_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /**
   * Bytes the incident media store may hold; over it the oldest dismissed items, then unreviewed
   * detections, then unreviewed alerts are deleted. Unset: half the size of the file system holding it.
   */
  SC_INCIDENT_MEDIA_MAX_BYTES: z.coerce.number().int().positive().optional(),
  /** Ed25519 private key (PKCS#8 PEM) that signs evidence exports, generated (0600) when missing; default <SC_DATA_DIR>/keys/export-signing.pem. */
  SC_EXPORT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** Key that encrypts camera passwords at rest (base64 of 32 bytes); unset: the key file SC_SECRET_KEY_FILE. */
  SC_SECRET_KEY: z.string().refine(isKey, KEY_RULE).optional(),
  /** That key's file, generated (0600) when missing; default <SC_DATA_DIR>/keys/secret.key, beside the database, not in it. */
  SC_SECRET_KEY_FILE: z.string().min(1).optional(),
  /** Earlier keys, comma-separated, that only decrypt: at start everything they sealed is sealed again with the current key. */
  SC_SECRET_KEY_PREVIOUS: z
    .string()
    .refine((list) => list.split(',').filter((k) => k.trim()).every(isKey), `each key (separated by commas) ${KEY_RULE}`)
    .optional(),
  /** How often each subscribed CAP feed is polled, in seconds, unless the feed sets its own (fractions allowed, for tests). */
  SC_CAP_FEED_POLL_S: z.coerce.number().min(0.05).max(86_400).default(30),
  /** Each request to a CAP feed (its index, one message) gives up after this many seconds. */
  SC_CAP_FEED_TIMEOUT_S: z.coerce.number().min(0.05).max(300).default(10),
  /** A feed failing this many polls in a row, or for SC_CAP_FEED_WARN_AFTER_S, is shown to operators as not answering. */
  SC_CAP_FEED_WARN_FAILURES: z.coerce.number().int().min(1).default(3),
  SC_CAP_FEED_WARN_AFTER_S: z.coerce.number().min(1).default(600),
  /** Station relays (tiếp sóng): a station's connection failing this many times in a row makes the relay try its other URL (the fallback, then the primary again). */
  SC_RELAY_SWITCH_AFTER_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
  /** A lost station is reconnected after this long, doubling at each failure… */
  SC_RELAY_RECONNECT_FIRST_S: z.coerce.number().min(0.05).max(60).default(1),
  /** …up to this. */
  SC_RELAY_RECONNECT_MAX_S: z.coerce.number().min(0.05).max(600).default(15),
  /** A station sending no audio for this long is dropped and reconnected (also the read timeout of a check). */
  SC_RELAY_STALL_S: z.coerce.number().min(1).max(120).default(10),
  /** Audio gathered from a station before it goes on air after each (re)connection: absorbs the network's jitter. */
  SC_RELAY_PREBUFFER_MS: z.coerce.number().int().min(20).max(10_000).default(500),
  /**
   * A relay session's playout latency (SC_LIVE_PLAYOUT_MS is the voice's): longer, because a relay's
   * delay behind the station matters to no listener while every box must be ready by its epoch to
   * start in step (a box that joins late plays in step too, but misses the start).
   */
  SC_RELAY_PLAYOUT_MS: z.coerce.number().int().min(200).max(10_000).default(3000),
  /** Notifications (Web Push, Zalo OA): the first retry of a failed send waits about this long, each next one twice as long… */
  SC_NOTIFY_RETRY_FIRST_S: z.coerce.number().min(0.01).max(86_400).default(5),
  /** …up to this (a jitter of up to half is taken off each, so failures together do not retry together). */
  SC_NOTIFY_RETRY_MAX_S: z.coerce.number().min(0.01).max(86_400).default(3600),
  /** A notification is given up (visible to admins with its reason) after this many attempts… */
  SC_NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(30),
  /** …or when its next attempt would come this long after it was created. */
  SC_NOTIFY_GIVE_UP_AFTER_S: z.coerce.number().min(1).max(30 * 86_400).default(24 * 3600),
  /** A channel's send that has not answered after this long is aborted and tried again later (its slot freed). */
  SC_NOTIFY_SEND_TIMEOUT_S: z.coerce.number().min(0.01).max(600).default(30),
  /** Notifications sent or given up are deleted (with their attempts) after this many days. */
  SC_NOTIFY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Web Push (RFC 8292 VAPID) key pair, base64url (uncompressed P-256 public key, 32-byte private key):
   * set both when several cloud processes send pushes; unset, the pair is generated once and kept in
   * <SC_DATA_DIR>/keys/vapid.json (0600). Changing it voids every device's subscription.
   */
  SC_VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{86,88}$/, 'must be the base64url of a 65-byte P-256 public key').optional(),
  SC_VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{42,44}$/, 'must be the base64url of a 32-byte P-256 private key').optional(),
  /** Who push services contact about our pushes (mailto: or https:); Apple refuses localhost. Default: SC_PUBLIC_URL if https, else a mailto. */
  SC_VAPID_SUBJECT: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL').optional(),
  /** Accept push endpoints at http://127.0.0.1 / localhost (the tests' and the demo's local push service); never on a real site. */
  SC_PUSH_ALLOW_LOCAL_ENDPOINTS: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
    .default(false),
  /** A box, camera or loudspeaker zone must stay offline this long before technicians are notified (and "back online" follows only then). */
  SC_NOTIFY_OFFLINE_AFTER_S: z.coerce.number().min(0.05).max(86_400).default(300),
  /** A loudspeaker zone down (offline, or muted by the speaker itself) this long raises an alarm: a console banner and a `speaker` notification. */
  SC_SPEAKER_ALARM_AFTER_S: z.coerce.number().min(0.05).max(86_400).default(300),
  /** Loudspeaker zone history (transitions) kept this many days: the monthly report's uptime needs the month it covers. */
  SC_SPEAKER_HISTORY_DAYS: z.coerce.number().int().min(31).max(3650).default(400),
  /** Operators are notified when a hamlet an emergency alert targets has not started playing it within this many seconds. */
  SC_NOTIFY_ALERT_START_S: z.coerce.number().min(0.05).max(3600).default(60),
  /** One offline/online pair per box, camera or loudspeaker zone and person in this window; the rest is summarised at its end. */
  SC_NOTIFY_DEVICE_COOLDOWN_S: z.coerce.number().min(0.05).max(86_400).default(900),
  /** One new-incident push per camera and person in this window; the rest is summarised at its end. */
  SC_NOTIFY_INCIDENT_COOLDOWN_S: z.coerce.number().min(0).max(86_400).default(60),
  /**
   * Live sessions (voice, relays): sample k of the stream plays on every loudspeaker at the session's
   * start + this + k/48 ms. Covers the encoder, the boxes' links and their decoder (see docs/operations.md).
   * 800 from scripts/bench/live on 50–300 ms links with 1 % loss: mouth to loudspeaker is the
   * operator's side (570–650 ms) plus this, under the 1.5 s target; at 700–750 a box's
   * retransmitted piece arrived up to 80 ms late.
   */
  SC_LIVE_PLAYOUT_MS: z.coerce.number().int().min(200).max(10_000).default(800),
  /** The producer's audio is buffered this long before the live clock takes it (and again after an underrun): absorbs its link's jitter. */
  SC_LIVE_JITTER_MS: z.coerce.number().int().min(0).max(2000).default(150),
  /** Readers of one live session's stream at once (the boxes, twice over for reconnections); more are refused (503). */
  SC_LIVE_MAX_READERS: z.coerce.number().int().min(1).max(10_000).default(64),
  /** No audio from the operator's microphone for this long (a dropped link): the hamlets stop and proof of play says interrupted. */
  SC_LIVE_VOICE_LINK_GRACE_S: z.coerce.number().min(0.5).max(60).default(4),
  SC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Zalo Official Account Open API (https://openapi.zalo.me), or a stand-in's for tests and the demo. */
  SC_ZALO_API_URL: z.string().url().default('https://openapi.zalo.me'),
  /** Zalo's OAuth v4 host (https://oauth.zaloapp.com), or a stand-in's. */
  SC_ZALO_OAUTH_URL: z.string().url().default('https://oauth.zaloapp.com'),
  /** Calls per second the Zalo channel makes at most through each OA (a commune's or the province's), all its messages together (Zalo allows 4,000 a minute per app). */
  SC_ZALO_RATE_PER_S: z.coerce.number().positive().max(1000).default(50),
  /** Zalo messages in flight at once. */
  SC_ZALO_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** 1: post each alert and public bulletin as one broadcast article (needs Zalo's broadcast permission) instead of a message per subscribed follower. */
  SC_ZALO_BROADCAST: z.enum(['0', '1']).default('0'),
  /** The province's release public keys an uploaded bundle must be signed with (JSON: [{keyId, publicKey}], as a box's keys/release-keys.json); default <SC_DATA_DIR>/keys/release-keys.json. */
  SC_RELEASE_KEYS_FILE: z.string().min(1).optional(),
  /** Largest release bundle an admin may upload (the built code with its native dependencies is a few hundred MB). */
  SC_RELEASE_MAX_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** How often running rollouts are looked at (start the next wave after its soak, finish), in ms. */
  SC_ROLLOUT_TICK_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
  /** How often pending release key rotations are sent again to online boxes that have not answered (also at once when a box comes back online). */
  SC_KEY_ROTATION_RETRY_S: z.coerce.number().int().min(5).max(86_400).default(60),
});
export type CloudConfig = z.infer<typeof cloudConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration; a wrong value throws a ConfigError naming the variable. */
export function loadCloudConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<CloudConfig> = {}): CloudConfig {
  const parsed = cloudConfigSchema.safeParse({ ...env, ...overrides });
  if (!parsed.success) throw new ConfigError(`invalid cloud configuration: ${describeIssues(parsed.error)}`);
  s3Settings(parsed.data); // all or none
  proxyProtocolNeedsProxies(parsed.data);
  return parsed.data;
}

/** SC_PROXY_PROTOCOL=1 with no trusted proxy would refuse every header, so every proxied connection: a mistake, named at start. */
function proxyProtocolNeedsProxies(config: Pick<CloudConfig, 'SC_PROXY_PROTOCOL' | 'SC_TRUSTED_PROXIES'>) {
  if (config.SC_PROXY_PROTOCOL === '1' && parseTrustedProxies(config.SC_TRUSTED_PROXIES).rules.length === 0) {
    throw new ConfigError('invalid cloud configuration: SC_PROXY_PROTOCOL=1 needs SC_TRUSTED_PROXIES: the addresses of the proxies that send the PROXY header (from anyone else it is refused)');
  }
}

export const S3_VARIABLES = ['SC_S3_ENDPOINT', 'SC_S3_BUCKET', 'SC_S3_REGION', 'SC_S3_ACCESS_KEY_ID', 'SC_S3_SECRET_ACCESS_KEY'] as const;

/**
 * The object storage settings, or null for local disk. A partial set is refused with a ConfigError
 * naming what is missing: silently storing citizens' photos on one machine's disk while the operator
 * believes they are in the bucket would lose them with that machine.
 */
export function s3Settings(config: Pick<CloudConfig, (typeof S3_VARIABLES)[number]>) {
  const missing = S3_VARIABLES.filter((name) => !config[name]);
  if (missing.length === S3_VARIABLES.length) return null;
  if (missing.length > 0) {
    const set = S3_VARIABLES.filter((name) => config[name]);
    throw new ConfigError(`invalid cloud configuration: ${set.join(', ')} set but ${missing.join(', ')} missing; object storage needs all of ${S3_VARIABLES.join(', ')} (or none, for local disk)`);
  }
  return {
    endpoint: config.SC_S3_ENDPOINT!,
    bucket: config.SC_S3_BUCKET!,
    region: config.SC_S3_REGION!,
    accessKeyId: config.SC_S3_ACCESS_KEY_ID!,
    secretAccessKey: config.SC_S3_SECRET_ACCESS_KEY!,
  };
}
