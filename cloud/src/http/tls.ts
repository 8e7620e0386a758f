import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../config.js';

/** The PEM certificate chain and key the cloud serves HTTPS with, read once at start. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * SC_TLS_CERT and SC_TLS_KEY, read and checked: both or neither (one alone is a mistake, not plain
 * http), each readable, and the pair accepted by OpenSSL, so a wrong file stops the start with the
 * variable named instead of failing at the first browser's handshake.
 */
export function loadTlsFiles(config: { SC_TLS_CERT?: string | undefined; SC_TLS_KEY?: string | undefined }): TlsFiles | null {
  const { SC_TLS_CERT: certPath, SC_TLS_KEY: keyPath } = config;
  if (!certPath && !keyPath) return null;
  if (!certPath || !keyPath) throw new ConfigError(`invalid cloud configuration: ${certPath ? 'SC_TLS_KEY' : 'SC_TLS_CERT'}: must be set together with ${certPath ? 'SC_TLS_CERT' : 'SC_TLS_KEY'} (HTTPS needs both the certificate and its key)`);
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`invalid cloud configuration: ${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const files = { cert: read('SC_TLS_CERT', certPath), key: read('SC_TLS_KEY', keyPath) };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new ConfigError(`invalid cloud configuration: SC_TLS_CERT/SC_TLS_KEY: not a PEM certificate and its private key (${(err as Error).message})`);
  }
  return files;
}

/** Options for @hono/node-server's `serve()`: an HTTPS server with these files, or Node's plain HTTP default. */
export function serverOptionsFor(tls: TlsFiles | null) {
  return tls ? { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } } : {};
}
