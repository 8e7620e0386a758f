import { fileURLToPath } from 'node:url';
import type { CloudClient } from './cloud-client.js';

/** The built stand-in of Zalo's OA API (cloud/src/notifications/zalo/testing/zalo-standin.ts). */
const STANDIN_MODULE = fileURLToPath(new URL('../../cloud/dist/notifications/zalo/testing/zalo-standin.js', import.meta.url));

/** What the demo uses of the stand-in (typed here: firmware-sim does not depend on the cloud package). */
interface Standin {
  url: string;
  appId: string;
  appSecret: string;
  oaSecretKey: string;
  oaId: string;
  webhookUrl: string | null;
  start(): Promise<Standin>;
  close(): Promise<void>;
  issueRefreshToken(): string;
}

export interface DemoZalo {
  /** The page listing what the OA sent, with a form to write to the OA as a citizen. */
  url: string;
  /** The cloud's environment pointing it at the stand-in instead of Zalo. */
  env: Record<string, string>;
  /** Connects the cloud's OA to the stand-in, as an admin would with a refresh token. */
  connect(cloud: CloudClient, cloudUrl: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the local Zalo stand-in so a new user sees what the commune's Official Account would
 * send (and can subscribe to a hamlet as a citizen would), without a Zalo account.
 */
export async function startDemoZalo(port: number): Promise<DemoZalo> {
  const { ZaloStandin } = (await import(STANDIN_MODULE)) as { ZaloStandin: new (o: { port: number }) => Standin };
  const standin = await new ZaloStandin({ port }).start();
  return {
    url: `${standin.url}/`,
    env: { SC_ZALO_API_URL: standin.url, SC_ZALO_OAUTH_URL: standin.url },
    async connect(cloud, cloudUrl) {
      standin.webhookUrl = `${cloudUrl}/api/v1/zalo/webhook`;
      // the stand-in forgets its tokens when it stops: connect again at every start
      await cloud.request('PUT', '/api/v1/zalo/connection', {
        appId: standin.appId,
        appSecret: standin.appSecret,
        oaId: standin.oaId,
        webhookSecret: standin.oaSecretKey,
        refreshToken: standin.issueRefreshToken(),
      });
    },
    close: () => standin.close(),
  };
}
